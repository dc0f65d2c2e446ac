import { z } from 'zod';
import { bool, choice, freeMap, list, section, text, textList } from '../config.fields.js';
import { envHints } from '../env-hints.js';
import type { LogConfig, LogLevel } from '../config.types.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

export const logLevel = () => choice(LOG_LEVELS);

// registry:2 mails log lines through hooks; Wharf does not. Disabled hooks (as in the
// distribution docs' own example) are accepted and ignored, enabled ones are refused.
const logHook = section({
  type: text().optional(),
  disabled: bool().default(false),
  levels: textList(),
  options: section({
    smtp: section({
      addr: text().optional(),
      username: text().optional(),
      password: text().optional(),
      insecure: bool().optional(),
    }),
    from: text().optional(),
    to: textList(),
  }),
})
  .superRefine((hook, ctx) => {
    if (!hook.disabled) {
      ctx.addIssue({ code: 'custom', message: 'log hooks are not supported by Wharf; set disabled: true or remove it' });
    }
  })
  .register(envHints, { aliases: { MAILOPTIONS: 'options' } });

export const logSection = section({
  level: logLevel().optional(),
  formatter: choice(['text', 'json', 'logstash']).default('text'),
  fields: freeMap(),
  accesslog: section({ disabled: bool().default(false) }),
  hooks: list(logHook),
  reportcaller: bool()
    .default(false)
    .refine((on) => !on, { message: 'Wharf cannot name the source function of a log line (a Go logrus feature); remove it or set false' }),
});

/** The top-level `loglevel` is the deprecated spelling of log.level; log.level wins. */
export function toLogConfig(raw: z.output<typeof logSection>, deprecatedLevel: LogLevel | undefined): LogConfig {
  return {
    level: raw.level ?? deprecatedLevel ?? 'info',
    formatter: raw.formatter,
    fields: raw.fields,
    accessLog: { disabled: raw.accesslog.disabled },
  };
}
