import { z } from 'zod';
import { bool, duration, int, section, text, textList } from '../config.fields.js';
import type { RedisConfig } from '../config.types.js';

/*
 * registry:2.8 had its own redis keys (addr, pool.maxidle, …); 3.x inlines go-redis UniversalOptions
 * (addrs, maxidleconns, poolsize, …). Both are accepted; naming the same setting both ways is refused.
 */
export const redisSection = section({
  // 2.8
  addr: text().optional(),
  pool: section({
    maxidle: int({ min: 0 }).optional(),
    maxactive: int({ min: 0 }).optional(),
    idletimeout: duration().optional(),
  }),
  // 3.x
  addrs: textList(),
  clientname: text().optional(),
  db: int({ min: 0 }).default(0),
  protocol: int({ min: 2, max: 3 }).optional(),
  username: text().optional(),
  password: text().optional(),
  sentinelusername: text().optional(),
  sentinelpassword: text().optional(),
  maxretries: int().optional(),
  minretrybackoff: duration().optional(),
  maxretrybackoff: duration().optional(),
  dialtimeout: duration().optional(),
  readtimeout: duration().optional(),
  writetimeout: duration().optional(),
  contexttimeoutenabled: bool().default(false),
  poolfifo: bool().default(false),
  poolsize: int({ min: 0 }).optional(),
  pooltimeout: duration().optional(),
  minidleconns: int({ min: 0 }).optional(),
  maxidleconns: int({ min: 0 }).optional(),
  maxactiveconns: int({ min: 0 }).optional(),
  connmaxidletime: duration().optional(),
  connmaxlifetime: duration().optional(),
  maxredirects: int().optional(),
  readonly: bool().default(false),
  routebylatency: bool().default(false),
  routerandomly: bool().default(false),
  mastername: text().optional(),
  disableidentity: bool().default(false),
  identitysuffix: text().optional(),
  unstableresp3: bool().default(false),
  tls: section({
    enabled: bool().optional(), // shown in the distribution docs' example
    certificate: text().optional(),
    key: text().optional(),
    rootcas: textList(), // 3.1+
    clientcas: textList(), // 3.0 spelling of rootcas
  }),
}).superRefine((value, ctx) => {
  const both = (older: string, newer: string) =>
    ctx.addIssue({ code: 'custom', path: [newer], message: `set either redis.${older} or redis.${newer}, not both` });
  if (value.addr !== undefined && value.addrs.length > 0) both('addr', 'addrs');
  if (value.pool.maxidle !== undefined && value.maxidleconns !== undefined) both('pool.maxidle', 'maxidleconns');
  if (value.pool.maxactive !== undefined && value.maxactiveconns !== undefined) both('pool.maxactive', 'maxactiveconns');
  if (value.pool.idletimeout !== undefined && value.connmaxidletime !== undefined) {
    both('pool.idletimeout', 'connmaxidletime');
  }
  if (value.addr === undefined && value.addrs.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['addr'], message: 'required: the redis address (addr or addrs)' });
  }
});

export function toRedisConfig(raw: z.output<typeof redisSection>): RedisConfig {
  const optional = <K extends string, V>(key: K, value: V | undefined) =>
    (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
  const rootCAs = [...raw.tls.rootcas, ...raw.tls.clientcas];
  const tlsMaterial = raw.tls.certificate !== undefined || raw.tls.key !== undefined || rootCAs.length > 0;
  return {
    addrs: raw.addr !== undefined ? [raw.addr] : raw.addrs,
    ...optional('username', raw.username),
    ...optional('password', raw.password),
    db: raw.db,
    ...optional('clientName', raw.clientname),
    ...optional('protocol', raw.protocol),
    ...optional('masterName', raw.mastername),
    ...optional('sentinelUsername', raw.sentinelusername),
    ...optional('sentinelPassword', raw.sentinelpassword),
    ...optional('maxRetries', raw.maxretries),
    ...optional('minRetryBackoffMs', raw.minretrybackoff),
    ...optional('maxRetryBackoffMs', raw.maxretrybackoff),
    ...optional('dialTimeoutMs', raw.dialtimeout),
    ...optional('readTimeoutMs', raw.readtimeout),
    ...optional('writeTimeoutMs', raw.writetimeout),
    contextTimeoutEnabled: raw.contexttimeoutenabled,
    pool: {
      ...optional('size', raw.poolsize),
      fifo: raw.poolfifo,
      ...optional('timeoutMs', raw.pooltimeout),
      ...optional('minIdle', raw.minidleconns),
      ...optional('maxIdle', raw.maxidleconns ?? raw.pool.maxidle),
      ...optional('maxActive', raw.maxactiveconns ?? raw.pool.maxactive),
      ...optional('idleTimeoutMs', raw.connmaxidletime ?? raw.pool.idletimeout),
      ...optional('maxLifetimeMs', raw.connmaxlifetime),
    },
    cluster: {
      ...optional('maxRedirects', raw.maxredirects),
      readOnly: raw.readonly,
      routeByLatency: raw.routebylatency,
      routeRandomly: raw.routerandomly,
    },
    disableIdentity: raw.disableidentity,
    ...optional('identitySuffix', raw.identitysuffix),
    unstableResp3: raw.unstableresp3,
    tls: {
      enabled: raw.tls.enabled ?? tlsMaterial,
      ...optional('certificate', raw.tls.certificate),
      ...optional('key', raw.tls.key),
      rootCAs,
    },
  };
}
