import { z } from 'zod';
import { bool, choice, duration, headerMap, httpUrl, int, list, section, text, textList } from '../config.fields.js';
import { envHints } from '../env-hints.js';
import type { NotificationEndpointConfig, NotificationsConfig } from '../config.types.js';

// registry:2's defaults for an endpoint that leaves these unset or zero (notifications/endpoint.go).
const DEFAULT_TIMEOUT_MS = 1_000;
const DEFAULT_THRESHOLD = 10;
const DEFAULT_BACKOFF_MS = 1_000;

const endpoint = section({
  name: text(),
  disabled: bool().default(false),
  url: httpUrl(),
  headers: headerMap(),
  timeout: duration().optional(),
  threshold: int({ min: 0 }).optional(),
  backoff: duration().optional(),
  ignoredmediatypes: textList(),
  ignore: section({
    mediatypes: textList(),
    actions: list(choice(['pull', 'push', 'mount', 'delete'])),
  }),
});

export const notificationsSection = section({
  events: section({ includereferences: bool().default(false) }),
  endpoints: list(endpoint).superRefine((endpoints, ctx) => {
    const seen = new Set<string>();
    endpoints.forEach((e, index) => {
      if (seen.has(e.name)) {
        ctx.addIssue({ code: 'custom', path: [index, 'name'], message: 'endpoint names must be unique' });
      }
      seen.add(e.name);
    });
  }),
}).register(envHints, { aliases: { EVENTCONFIG: 'events' } });

export function toNotificationsConfig(raw: z.output<typeof notificationsSection>): NotificationsConfig {
  return {
    events: { includeReferences: raw.events.includereferences },
    endpoints: raw.endpoints.map(
      (e): NotificationEndpointConfig => ({
        name: e.name,
        url: e.url,
        headers: e.headers,
        timeoutMs: e.timeout !== undefined && e.timeout > 0 ? e.timeout : DEFAULT_TIMEOUT_MS,
        threshold: e.threshold !== undefined && e.threshold > 0 ? e.threshold : DEFAULT_THRESHOLD,
        backoffMs: e.backoff !== undefined && e.backoff > 0 ? e.backoff : DEFAULT_BACKOFF_MS,
        ignoredMediaTypes: e.ignoredmediatypes,
        ignore: { mediaTypes: e.ignore.mediatypes, actions: e.ignore.actions },
        disabled: e.disabled,
      }),
    ),
  };
}
