import { z } from 'zod';
import { optionalSection, section } from './config.fields.js';
import { RawScalar } from './raw-value.js';
import {
  accessSection,
  failedLoginsSection,
  tokenServerSection,
  toAccessConfig,
  toFailedLoginsConfig,
  toTokenServerConfig,
} from './sections/access.section.js';
import { authSection, toAuthConfig } from './sections/auth.section.js';
import { dashboardSection, toDashboardConfig } from './sections/dashboard.section.js';
import { healthSection, toHealthConfig } from './sections/health.section.js';
import { httpSection, toHttpConfig } from './sections/http.section.js';
import { limitsSection, toLimitsConfig } from './sections/limits.section.js';
import { logLevel, logSection, toLogConfig } from './sections/log.section.js';
import { notificationsSection, toNotificationsConfig } from './sections/notifications.section.js';
import { redisSection, toRedisConfig } from './sections/redis.section.js';
import {
  catalogSection,
  compatibilitySection,
  listingLimit,
  policySection,
  tagsSection,
} from './sections/registry-limits.section.js';
import { storageSection, toStorageConfig } from './sections/storage.section.js';
import { middlewareSection, toMiddlewareConfig } from './sections/middleware.section.js';
import { reportingSection } from './sections/unsupported.section.js';
import { mirrorsSection, proxySection, toUpstreamConfig } from './sections/proxy.section.js';
import { toValidationConfig, validationSection } from './sections/validation.section.js';
import {
  apiSection,
  toApiConfig,
  countersSection,
  databaseSection,
  elasticsearchSection,
  toCountersConfig,
  toDatabaseConfig,
  toElasticsearchConfig,
  toWebhooksConfig,
  webhooksSection,
} from './sections/wharf.section.js';
import type { WharfConfig } from './config.types.js';

export const SUPPORTED_VERSION = '0.1';

/** registry:2 reads `version: 0.1` (a YAML float) as the string "0.1"; nothing else is accepted. */
const version = z.preprocess(
  (value) => (value instanceof RawScalar ? value.source : value === null ? undefined : value),
  z.string().refine((v) => v === SUPPORTED_VERSION, { message: `unsupported version; expected ${SUPPORTED_VERSION}` }),
);

/**
 * The whole file, keyed exactly as registry:2 spells it. Validates the raw tree and builds the
 * typed WharfConfig. The same schema drives the REGISTRY_* override walker (schema-tree.ts).
 */
export const configSchema = section({
  version,
  log: logSection,
  loglevel: logLevel().optional(),
  storage: storageSection,
  auth: authSection,
  middleware: middlewareSection,
  reporting: reportingSection,
  http: httpSection,
  notifications: notificationsSection,
  redis: optionalSection(redisSection),
  health: healthSection,
  catalog: catalogSection,
  tags: tagsSection,
  proxy: optionalSection(proxySection),
  validation: validationSection,
  policy: policySection,
  compatibility: compatibilitySection,
  // Wharf's own sections.
  elasticsearch: optionalSection(elasticsearchSection),
  database: optionalSection(databaseSection),
  counters: countersSection,
  webhooks: optionalSection(webhooksSection),
  api: optionalSection(apiSection),
  dashboard: dashboardSection,
  access: optionalSection(accessSection),
  tokenserver: optionalSection(tokenServerSection),
  failedlogins: failedLoginsSection,
  limits: limitsSection,
  mirrors: mirrorsSection,
})
  .superRefine((raw, ctx) => {
    const descriptor = raw.storage.cache.blobdescriptor ?? raw.storage.cache.layerinfo;
    if (descriptor === 'redis' && raw.redis === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['storage', 'cache', raw.storage.cache.blobdescriptor === undefined ? 'layerinfo' : 'blobdescriptor'],
        message: 'the redis blob descriptor cache needs a redis section',
      });
    }
    if (raw.proxy !== undefined && raw.mirrors.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['mirrors'], message: 'set either proxy (the whole registry caches one upstream) or mirrors, not both' });
    }
    // Tokens the registry's own token server issues must pass the registry's issuer check.
    if (raw.tokenserver !== undefined && raw.auth.token !== undefined && raw.tokenserver.issuer !== raw.auth.token.issuer) {
      ctx.addIssue({
        code: 'custom',
        path: ['tokenserver', 'issuer'],
        message: `must equal auth.token.issuer ("${raw.auth.token.issuer}")`,
      });
    }
  })
  .transform(
    (raw): WharfConfig => ({
      version: SUPPORTED_VERSION,
      log: toLogConfig(raw.log, raw.loglevel),
      storage: toStorageConfig(raw.storage),
      middleware: toMiddlewareConfig(raw.middleware),
      ...optionalKey('auth', toAuthConfig(raw.auth)),
      http: toHttpConfig(raw.http),
      notifications: toNotificationsConfig(raw.notifications),
      ...optionalKey('redis', raw.redis === undefined ? undefined : toRedisConfig(raw.redis)),
      health: toHealthConfig(raw.health),
      validation: toValidationConfig(raw.validation),
      catalog: { maxEntries: listingLimit(raw.catalog.maxentries) },
      tags: { maxTags: listingLimit(raw.tags.maxtags) },
      policy: { repository: { classes: raw.policy.repository.classes } },
      ...optionalKey('elasticsearch', raw.elasticsearch && toElasticsearchConfig(raw.elasticsearch)),
      ...optionalKey('database', raw.database && toDatabaseConfig(raw.database)),
      counters: toCountersConfig(raw.counters),
      webhooks: toWebhooksConfig(raw.webhooks),
      limits: toLimitsConfig(raw.limits),
      ...optionalKey('api', raw.api && toApiConfig(raw.api)),
      dashboard: toDashboardConfig(raw.dashboard, raw.api?.addr),
      ...optionalKey('access', raw.access && toAccessConfig(raw.access)),
      ...optionalKey('tokenServer', raw.tokenserver && toTokenServerConfig(raw.tokenserver)),
      failedLogins: toFailedLoginsConfig(raw.failedlogins),
      upstreams:
        raw.proxy !== undefined
          ? { mode: 'proxy', list: [toUpstreamConfig('', raw.proxy)] }
          : { mode: 'mirrors', list: raw.mirrors.map((m) => toUpstreamConfig(m.host, m)) },
    }),
  );

function optionalKey<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
}
