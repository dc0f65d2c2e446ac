import { z } from 'zod';
import { bool, duration, httpUrl, isHttpUrl, int, section, text, textList } from '../config.fields.js';
import type { ApiConfig, CountersConfig, DatabaseConfig, ElasticsearchConfig, WebhooksConfig } from '../config.types.js';
import { retention } from '../retention.js';
import { trustedProxies } from './trusted-proxies.js';

/*
 * Sections Wharf adds to the registry:2 format. Parsed now so that a typo stops start-up, even
 * before the roles that use them exist; every key is optional until its role needs it.
 */

export const elasticsearchSection = section({
  urls: textList(),
  addresses: textList(), // alias of urls
  indexprefix: text().default('wharf'),
  username: text().optional(),
  password: text().optional(),
  /** Whole monthly indices whose events are all older than this are deleted (apps/indexer). */
  retention: retention(),
}).superRefine((value, ctx) => {
  if (value.urls.length + value.addresses.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['urls'], message: 'required: at least one URL' });
  }
  for (const key of ['urls', 'addresses'] as const) {
    value[key].forEach((url, index) => {
      if (!isHttpUrl(url)) {
        ctx.addIssue({ code: 'custom', path: [key, index], message: 'expected an absolute http:// or https:// URL' });
      }
    });
  }
});

export function toElasticsearchConfig(raw: z.output<typeof elasticsearchSection>): ElasticsearchConfig {
  return {
    urls: [...raw.urls, ...raw.addresses],
    indexPrefix: raw.indexprefix,
    ...(raw.username === undefined ? {} : { username: raw.username }),
    ...(raw.password === undefined ? {} : { password: raw.password }),
    ...(raw.retention === undefined ? {} : { retention: raw.retention }),
  };
}

export const databaseSection = section({
  url: text().optional(),
  host: text().optional(),
  port: int({ min: 1, max: 65_535 }).optional(),
  user: text().optional(),
  password: text().optional(),
  database: text().optional(),
  schema: text()
    .refine((value) => /^[a-z_][a-z0-9_]{0,62}$/.test(value), { message: 'expected a lower-case SQL identifier (a-z, 0-9, _)' })
    .optional(),
  poolsize: int({ min: 1, max: 1_000 }).optional(),
}).superRefine((value, ctx) => {
  if (value.url === undefined && value.host === undefined) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'required: set database.url or database.host' });
  }
  if (value.url !== undefined && value.host !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['host'], message: 'set either database.url or database.host, not both' });
  }
});

export function toDatabaseConfig(raw: z.output<typeof databaseSection>): DatabaseConfig {
  const tuning = {
    ...(raw.schema === undefined ? {} : { schema: raw.schema }),
    ...(raw.poolsize === undefined ? {} : { poolSize: raw.poolsize }),
  };
  if (raw.url !== undefined) return { url: raw.url, ...tuning };
  return {
    ...(raw.host === undefined ? {} : { host: raw.host }),
    port: raw.port ?? 5432,
    ...(raw.user === undefined ? {} : { user: raw.user }),
    ...(raw.password === undefined ? {} : { password: raw.password }),
    ...(raw.database === undefined ? {} : { database: raw.database }),
    ...tuning,
  };
}

/**
 * What counts as a download (apps/counter). Defaults: HEAD requests do not count, nobody is
 * excluded. The patterns are checked here so a typo stops start-up rather than every event.
 */
export const countersSection = section({
  counthead: bool().default(false),
  /** Actor names or globs (`*` any run of characters, `?` one): scanners, mirrors, robot accounts. */
  excludeactors: textList(),
  /** Regular expressions matched against request.useragent. */
  excludeuseragents: textList(),
}).superRefine((value, ctx) => {
  value.excludeuseragents.forEach((pattern, index) => {
    try {
      new RegExp(pattern);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['excludeuseragents', index], message: `invalid regular expression: ${(error as Error).message}` });
    }
  });
});

export function toCountersConfig(raw: z.output<typeof countersSection>): CountersConfig {
  return { countHead: raw.counthead, excludeActors: raw.excludeactors, excludeUserAgents: raw.excludeuseragents };
}

/*
 * How apps/deployer delivers webhook subscriptions (the subscriptions themselves live in PostgreSQL).
 * The defaults ride out a receiver that is down for an hour: 10 attempts, the first retry after 10s,
 * each wait doubling up to 1h (10s + 20s + … + 2560s ≈ 85 min in all).
 */
const WEBHOOK_DEFAULTS: WebhooksConfig = {
  timeoutMs: 10_000,
  maxAttempts: 10,
  backoffMs: 10_000,
  maxBackoffMs: 3_600_000,
  failureThreshold: 5,
  concurrency: 10,
  subscriptionCacheMs: 2_000,
  allowPrivate: false,
};

export const webhooksSection = section({
  /** Per attempt: connect, send and the response headers. */
  timeout: duration().optional(),
  maxattempts: int({ min: 1, max: 100 }).optional(),
  /** Wait before the first retry; doubles on every further attempt. */
  backoff: duration().optional(),
  maxbackoff: duration().optional(),
  /** Consecutive failed attempts after which a subscription is flagged `failing` (never disabled). */
  failurethreshold: int({ min: 1, max: 10_000 }).optional(),
  /** Deliveries in flight at once per deployer process. */
  concurrency: int({ min: 1, max: 1_000 }).optional(),
  /** How long the deployer reuses the list of enabled subscriptions; 0 reads it for every event. */
  subscriptioncache: duration().optional(),
  /** Let webhook URLs reach loopback, link-local and private addresses (refused by default: SSRF). */
  allowprivate: bool().optional(),
  /** Delivery attempts logged longer ago than this are deleted (apps/deployer); unset: kept. */
  deliveryretention: retention(),
}).superRefine((value, ctx) => {
  if (value.timeout === 0) ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'must be greater than zero' });
  if (value.backoff !== undefined && value.maxbackoff !== undefined && value.maxbackoff < value.backoff) {
    ctx.addIssue({ code: 'custom', path: ['maxbackoff'], message: 'must not be shorter than backoff' });
  }
});

export function toWebhooksConfig(raw: z.output<typeof webhooksSection> | undefined): WebhooksConfig {
  const d = WEBHOOK_DEFAULTS;
  return {
    timeoutMs: raw?.timeout ?? d.timeoutMs,
    maxAttempts: raw?.maxattempts ?? d.maxAttempts,
    backoffMs: raw?.backoff ?? d.backoffMs,
    maxBackoffMs: raw?.maxbackoff ?? Math.max(d.maxBackoffMs, raw?.backoff ?? 0),
    failureThreshold: raw?.failurethreshold ?? d.failureThreshold,
    concurrency: raw?.concurrency ?? d.concurrency,
    subscriptionCacheMs: raw?.subscriptioncache ?? d.subscriptionCacheMs,
    allowPrivate: raw?.allowprivate ?? d.allowPrivate,
    ...(raw?.deliveryretention === undefined ? {} : { deliveryRetention: raw.deliveryretention }),
  };
}

/** `api:` — the api role's address and its sign-in sessions (api.secret is a secret: never logged). */
export const apiSection = section({
  addr: text(),
  secret: text()
    .refine((value) => value.length >= 32, { message: 'must be at least 32 characters: it signs the API session tokens' })
    .optional(),
  sessionlifetime: duration()
    .refine((value) => value >= 60_000, { message: 'must be at least 1m' })
    .optional(),
  trustedproxies: trustedProxies(),
  /** Where the api role reaches the registry's /v2 when the registry runs in another process. */
  registryurl: httpUrl().optional(),
});

export function toApiConfig(raw: z.output<typeof apiSection>): ApiConfig {
  return {
    addr: raw.addr,
    ...(raw.secret === undefined ? {} : { secret: raw.secret }),
    ...(raw.sessionlifetime === undefined ? {} : { sessionLifetimeMs: raw.sessionlifetime }),
    ...(raw.trustedproxies === undefined ? {} : { trustedProxies: raw.trustedproxies }),
    ...(raw.registryurl === undefined ? {} : { registryUrl: raw.registryurl }),
  };
}

