import { z } from 'zod';
import { bool, choice, duration, headerMap, httpUrl, int, list, section, text, textList } from '../config.fields.js';
import { envHints } from '../env-hints.js';
import type { NotificationEndpointConfig, NotificationsConfig } from '../config.types.js';

// registry:2's defaults for an endpoint that leaves these unset or zero (notifications/endpoint.go).
const DEFAULT_TIMEOUT_MS = 1_000;
const DEFAULT_THRESHOLD = 10;
const DEFAULT_BACKOFF_MS = 1_000;

// Wharf's own keys (registry:2 has no durable queue, so no equivalent): see libs/queue.
/** A delivery still failing this long after its event was queued goes to the endpoint's dead-letter set. */
const DEFAULT_MAX_RETRY_AGE_MS = 24 * 3_600_000;
/** Recent events kept in Redis so an operator can replay them to an endpoint. */
const DEFAULT_REPLAY_RETENTION_MS = 24 * 3_600_000;
const DEFAULT_REPLAY_MAX_EVENTS = 100_000;

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
  maxretryage: duration().optional(),
});

export const notificationsSection = section({
  events: section({ includereferences: bool().default(false) }),
  spool: section({ directory: text().optional() }),
  replay: section({ retention: duration().optional(), maxevents: int({ min: 1 }).optional() }),
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
        maxRetryAgeMs: e.maxretryage !== undefined && e.maxretryage > 0 ? e.maxretryage : DEFAULT_MAX_RETRY_AGE_MS,
      }),
    ),
    spool: raw.spool.directory === undefined ? {} : { directory: raw.spool.directory },
    replay: {
      retentionMs:
        raw.replay.retention !== undefined && raw.replay.retention > 0 ? raw.replay.retention : DEFAULT_REPLAY_RETENTION_MS,
      maxEvents: raw.replay.maxevents ?? DEFAULT_REPLAY_MAX_EVENTS,
    },
  };
}
