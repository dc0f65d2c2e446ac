import { pino, type Logger, type LevelWithSilent } from 'pino';
import { LogDestination } from './log-destination.js';
import { redactSecrets, redactText } from './log-redaction.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: 'error' | 'warn' | 'info' | 'debug' | LevelWithSilent;
  /** Static fields on every line (registry:2's `log.fields`). */
  fields?: Record<string, unknown>;
  /** Where lines go; stdout by default, through a LogDestination (see log-destination.ts). */
  destination?: NodeJS.WritableStream | LogDestination;
}

/**
 * The one logger factory: JSON lines (pino), one object per event, with the
 * request id bound per request. Secrets never reach the output: every logged
 * object and message passes through log-redaction.ts first.
 */
export function createLogger(options: LoggerOptions): Logger {
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
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? new LogDestination(),
  );
}
