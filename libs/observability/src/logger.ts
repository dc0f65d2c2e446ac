import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: 'error' | 'warn' | 'info' | 'debug' | LevelWithSilent;
  /** Static fields on every line (registry:2's `log.fields`). */
  fields?: Record<string, unknown>;
  /** Where lines go; stdout by default. */
  destination?: NodeJS.WritableStream;
}

/**
 * The one logger factory: JSON lines (pino), one object per event, with the
 * request id bound per request. Secrets never reach it: the redaction list
 * covers the headers and fields that can carry them.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { ...(options.fields ?? {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['authorization', 'req.headers.authorization', 'headers.authorization', 'password', '*.password', 'secret', '*.secret'],
        censor: '[redacted]',
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
