/*
 * registry:2's log formats (logrus), rendered from pino's JSON records so every role writes the
 * lines registry:2 users already parse:
 *   text      time="…" level=info msg="…" key=value …  (keys after msg sorted; values quoted when needed)
 *   json      {"level":"info","msg":"…","time":"…",…}
 *   logstash  {"@timestamp":"…","@version":"1","level":"info","message":"…",…}
 * Levels are logrus' names: "warn" is written "warning".
 */

export type LogFormat = 'text' | 'json' | 'logstash';

type LogRecord = Record<string, unknown>;

export function logrusLevel(label: string): string {
  return label === 'warn' ? 'warning' : label;
}

/** One record as one line (with its newline) in `format`. */
export function formatRecord(record: LogRecord, format: LogFormat): string {
  const { time, level, msg, err, ...fields } = record;
  if (err !== undefined) fields['error'] = errorText(err);
  switch (format) {
    case 'json':
      return `${JSON.stringify({ ...fields, level, msg, time })}\n`;
    case 'logstash':
      return `${JSON.stringify({ ...fields, '@timestamp': time, '@version': '1', level, message: msg })}\n`;
    case 'text': {
      const parts = [`time=${textValue(time)}`, `level=${textValue(level)}`];
      if (msg !== undefined && msg !== '') parts.push(`msg=${textValue(msg)}`);
      for (const key of Object.keys(fields).sort()) parts.push(`${key}=${textValue(fields[key])}`);
      return `${parts.join(' ')}\n`;
    }
  }
}

function errorText(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'message' in err ? (err as { message: unknown }).message : err;
}

/** As logrus: bare when only [A-Za-z0-9-._/@^+], else Go-quoted; non-strings as their JSON. */
function textValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? 'null';
  return /^[A-Za-z0-9\-._/@^+]+$/.test(text) ? text : JSON.stringify(text);
}

interface LineSink {
  write(line: string): unknown;
  flush?(callback?: (err?: Error) => void): void;
}

/** A pino destination that rewrites each JSON record into `format` before it reaches `out`. */
export function formattingDestination(out: LineSink, format: LogFormat): Required<LineSink> {
  return {
    write(line: string): unknown {
      let record: LogRecord;
      try {
        record = JSON.parse(line) as LogRecord;
      } catch {
        return out.write(line);
      }
      return out.write(formatRecord(record, format));
    },
    // logger.flush() at shutdown must still reach the real destination.
    flush(callback?: (err?: Error) => void): void {
      if (out.flush) out.flush(callback);
      else callback?.();
    },
  };
}
