import { z } from 'zod';
import { bool, duration, headerMap, httpUrl, int, list, section, text } from '../config.fields.js';
import { splitHostPort } from '../host-port.js';
import { envHints } from '../env-hints.js';
import type { HealthConfig } from '../config.types.js';

const DEFAULT_INTERVAL_MS = 10_000;

/** registry:2 treats a zero or missing threshold as "one failure is unhealthy". */
const threshold = () => int({ min: 0 }).default(0);
const atLeastOne = (value: number) => Math.max(value, 1);

export const healthSection = section({
  storagedriver: section({
    enabled: bool().default(false),
    interval: duration().default(DEFAULT_INTERVAL_MS),
    threshold: threshold(),
  }),
  file: list(section({ file: text(), interval: duration().default(DEFAULT_INTERVAL_MS), threshold: threshold() })),
  http: list(
    section({
      uri: httpUrl(),
      headers: headerMap(),
      statuscode: int({ min: 100, max: 599 }).default(200),
      timeout: duration().optional(),
      interval: duration().default(DEFAULT_INTERVAL_MS),
      threshold: threshold(),
    }),
  ),
  tcp: list(
    section({
      addr: text().refine((addr) => splitHostPort(addr) !== undefined, { message: 'expected host:port' }),
      timeout: duration().optional(),
      interval: duration().default(DEFAULT_INTERVAL_MS),
      threshold: threshold(),
    }),
  ),
}).register(envHints, { aliases: { FILECHECKERS: 'file', HTTPCHECKERS: 'http', TCPCHECKERS: 'tcp' } });

export function toHealthConfig(raw: z.output<typeof healthSection>): HealthConfig {
  const timeout = (ms: number | undefined) => (ms === undefined || ms === 0 ? {} : { timeoutMs: ms });
  return {
    storageDriver: {
      enabled: raw.storagedriver.enabled,
      intervalMs: raw.storagedriver.interval || DEFAULT_INTERVAL_MS,
      threshold: atLeastOne(raw.storagedriver.threshold),
    },
    file: raw.file.map((c) => ({
      file: c.file,
      intervalMs: c.interval || DEFAULT_INTERVAL_MS,
      threshold: atLeastOne(c.threshold),
    })),
    http: raw.http.map((c) => ({
      uri: c.uri,
      headers: c.headers,
      statusCode: c.statuscode,
      ...timeout(c.timeout),
      intervalMs: c.interval || DEFAULT_INTERVAL_MS,
      threshold: atLeastOne(c.threshold),
    })),
    tcp: raw.tcp.map((c) => ({
      addr: c.addr,
      ...timeout(c.timeout),
      intervalMs: c.interval || DEFAULT_INTERVAL_MS,
      threshold: atLeastOne(c.threshold),
    })),
  };
}
