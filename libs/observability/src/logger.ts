import { pino, type Logger, type LevelWithSilent } from 'pino';
import { LogDestination } from './log-destination.js';
import { formattingDestination, logrusLevel, type LogFormat } from './log-format.js';
import { redactSecrets, redactText } from './log-redaction.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: 'error' | 'warn' | 'info' | 'debug' | LevelWithSilent;
  /** Static fields on every line (registry:2's `log.fields`). */
  fields?: Record<string, unknown>;
  /** Where lines go; stdout by default, through a LogDestination (see log-destination.ts). */
  destination?: NodeJS.WritableStream | LogDestination;
  /** log.formatter: registry:2's line formats (see log-format.ts); absent: pino's own JSON lines. */
  format?: LogFormat;
}

/**
 * The one logger factory: one line per event (pino, rendered as log.formatter asks), with the
 * request id bound per request. Secrets never reach the output: every logged
 * object and message passes through log-redaction.ts first.
 */
export function createLogger(options: LoggerOptions): Logger {
  const format = options.format;
  const out = options.destination ?? new LogDestination();
  const destination = format === undefined ? out : formattingDestination(out, format);
  return pino(
    {
      level: options.level,
      base: { ...(options.fields ?? {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          const clean = (args as unknown[]).map((arg) => (typeof arg === 'string' ? redactText(arg) : redactSecrets(arg)));
          return method.apply(this, clean as Parameters<typeof method>);
        },
      },
      formatters: { level: (label) => ({ level: format === undefined ? label : logrusLevel(label) }) },
    },
    destination as NodeJS.WritableStream,
  );
}
