import { z } from 'zod';
import { bool, duration, int, section, text, textList } from '../config.fields.js';
import type { RedisConfig } from '../config.types.js';
import { splitHostPort } from '../host-port.js';

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
  [value.addr, ...value.addrs].forEach((addr, index) => {
    if (addr !== undefined && splitHostPort(addr) === undefined && (addr.includes(':') || addr === '')) {
      ctx.addIssue({ code: 'custom', path: value.addr !== undefined && index === 0 ? ['addr'] : ['addrs', index - (value.addr === undefined ? 0 : 1)], message: 'expected host:port' });
    }
  });
  if (value.addrs.length > 1 && value.mastername === undefined && value.db !== 0) {
    ctx.addIssue({ code: 'custom', path: ['db'], message: 'a Redis Cluster (several addrs without mastername) has only database 0' });
  }
  if ((value.tls.certificate === undefined) !== (value.tls.key === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['tls', value.tls.key === undefined ? 'key' : 'certificate'], message: 'redis.tls.certificate and redis.tls.key go together (mutual TLS)' });
  }
  // go-redis settings Wharf's client (ioredis) has no counterpart for: refused when they ask for something.
  const refuse = (key: string, set: boolean, why: string) => {
    if (set) ctx.addIssue({ code: 'custom', path: [key], message: why });
  };
  refuse('protocol', value.protocol === 3, 'Wharf speaks RESP2 to Redis; remove it or set 2');
  refuse('unstableresp3', value.unstableresp3, 'Wharf speaks RESP2 to Redis; remove it');
  refuse('contexttimeoutenabled', value.contexttimeoutenabled, 'a Go client setting; command deadlines come from readtimeout and writetimeout');
  refuse('poolfifo', value.poolfifo, 'Wharf keeps one multiplexed connection per user, not a pool to order; remove it');
  refuse('pooltimeout', value.pooltimeout !== undefined, 'Wharf never waits for a pooled connection (each user keeps its own); remove it');
  refuse('minidleconns', (value.minidleconns ?? 0) > 0, 'Wharf opens the connections it uses at start and keeps them; remove it');
  refuse('connmaxlifetime', value.connmaxlifetime !== undefined, 'Wharf does not retire connections by age; use connmaxidletime to replace idle ones');
  refuse('routebylatency', value.routebylatency, 'latency-based routing of Cluster reads is not available; use readonly or routerandomly');
  refuse('identitysuffix', value.identitysuffix !== undefined, 'Wharf sends no CLIENT SETINFO identity to suffix; remove it');
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
    ...optional('masterName', raw.mastername),
    ...optional('sentinelUsername', raw.sentinelusername),
    ...optional('sentinelPassword', raw.sentinelpassword),
    ...optional('maxRetries', raw.maxretries),
    ...optional('minRetryBackoffMs', raw.minretrybackoff),
    ...optional('maxRetryBackoffMs', raw.maxretrybackoff),
    ...optional('dialTimeoutMs', raw.dialtimeout),
    ...optional('readTimeoutMs', raw.readtimeout),
    ...optional('writeTimeoutMs', raw.writetimeout),
    pool: {
      ...optional('size', raw.poolsize),
      ...optional('maxIdle', raw.maxidleconns ?? raw.pool.maxidle),
      ...optional('maxActive', raw.maxactiveconns ?? raw.pool.maxactive),
      ...optional('idleTimeoutMs', raw.connmaxidletime ?? raw.pool.idletimeout),
    },
    cluster: {
      ...optional('maxRedirects', raw.maxredirects),
      readOnly: raw.readonly,
      routeRandomly: raw.routerandomly,
    },
    tls: {
      enabled: raw.tls.enabled ?? tlsMaterial,
      ...optional('certificate', raw.tls.certificate),
      ...optional('key', raw.tls.key),
      rootCAs,
    },
  };
}
