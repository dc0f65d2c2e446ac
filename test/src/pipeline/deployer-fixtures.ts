import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { WharfConfig } from '@wharf/config';
import {
  acquireDataSource,
  WebhookDeliveriesRepository,
  WebhookSecretCipher,
  WebhookSubscriptionsRepository,
  type DataSourceLease,
  type SubscriptionSettings,
} from '@wharf/db';
import { createLogger, type Logger } from '@wharf/observability';
import { run } from '../support/exec.js';
import { repoRoot } from '../support/tools.js';
import { wharfConfig } from './queue-redis.js';

/*
 * Helpers of the webhook suites (deployer-*.test.ts, api/webhooks-*.test.ts): the shared test
 * PostgreSQL (scripts/postgres.sh, 127.0.0.1:5439) with one schema per test, direct access to the
 * subscription tables, a logger whose lines a test can read, and the signature check written out
 * from the documented recipe (not Wharf's own helper, so the two are checked against each other).
 */

export const POSTGRES_URL = 'postgres://wharf:wharf@127.0.0.1:5439/wharf_test';

export async function sharedPostgres(): Promise<void> {
  await run('bash', [join(repoRoot, 'scripts', 'postgres.sh'), 'start'], { timeoutMs: 90_000 });
}

export function uniqueSchema(): string {
  return `wh_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/** Drops a test schema with everything in it (after the roles using it have stopped). */
export async function dropSchema(config: WharfConfig): Promise<void> {
  const lease = await acquireDataSource(config.database!, { applicationName: 'wharf-test' });
  try {
    await lease.dataSource.query(`DROP SCHEMA IF EXISTS "${config.database!.schema}" CASCADE`);
  } finally {
    await lease.release();
  }
}

/** http.secret of the webhook suites: the key webhook secrets are stored encrypted under. */
export const TEST_HTTP_SECRET = 'webhook-suites-http-secret';

/**
 * Config YAML for the deployer: shared Postgres with `schema`, Redis on `redisPort`, fast retries,
 * loopback receivers allowed (webhooks.allowprivate), and an http section with TEST_HTTP_SECRET
 * (plus `http`'s keys).
 */
export function deployerYaml(schema: string, redisPort: number, webhooks: Record<string, string | number | boolean> = {}, http: Record<string, string> = {}): string {
  const settings = { timeout: '2s', maxattempts: 4, backoff: '100ms', maxbackoff: '2s', failurethreshold: 3, subscriptioncache: '0s', allowprivate: true, ...webhooks };
  return (
    `http:\n${Object.entries({ secret: TEST_HTTP_SECRET, ...http }).map(([k, v]) => `  ${k}: ${v}\n`).join('')}` +
    `redis:\n  addr: 127.0.0.1:${redisPort}\n` +
    `database:\n  url: ${POSTGRES_URL}\n  schema: ${schema}\n` +
    `webhooks:\n${Object.entries(settings).map(([k, v]) => `  ${k}: ${v}\n`).join('')}`
  );
}

export function deployerConfig(schema: string, redisPort: number, webhooks: Record<string, string | number | boolean> = {}): WharfConfig {
  return wharfConfig(deployerYaml(schema, redisPort, webhooks));
}

/** The subscription tables of one schema, as the deployer and the API see them. */
export class WebhookTables {
  private constructor(
    private readonly lease: DataSourceLease,
    readonly subscriptions: WebhookSubscriptionsRepository,
    readonly deliveries: WebhookDeliveriesRepository,
  ) {}

  static async open(config: WharfConfig): Promise<WebhookTables> {
    const secrets = WebhookSecretCipher.fromConfig(config);
    const lease = await acquireDataSource(config.database!, { applicationName: 'wharf-test', webhookSecrets: secrets });
    return new WebhookTables(lease, new WebhookSubscriptionsRepository(lease.dataSource, secrets), new WebhookDeliveriesRepository(lease.dataSource));
  }

  subscribe(url: string, settings: Partial<SubscriptionSettings> = {}) {
    return this.subscriptions.create({
      name: 'test',
      url,
      secret: `secret-${randomUUID()}`,
      enabled: true,
      format: 'deploy',
      filterActions: ['push'],
      filterRepository: null,
      filterTag: null,
      filterActor: null,
      includeBlobs: false,
      headers: {},
      bodyTemplate: null,
      contentType: null,
      ...settings,
    });
  }

  /** Every attempt logged for a subscription, oldest first. */
  async attempts(subscriptionId: string) {
    const page = await this.deliveries.page(subscriptionId, 1_000);
    return page.items.reverse();
  }

  release(): Promise<void> {
    return this.lease.release();
  }
}

/**
 * The receiver's side of the recipe in apps/deployer webhook-signature.ts / README: HMAC-SHA256
 * with the secret over `${X-Wharf-Timestamp}.${raw body}`, hex, compared in constant time, the
 * timestamp within five minutes.
 */
export function signatureVerifies(secret: string, headers: IncomingHttpHeaders, rawBody: string): boolean {
  const timestamp = headers['x-wharf-timestamp'];
  const signature = headers['x-wharf-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string' || !signature.startsWith('sha256=')) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex'));
  const given = Buffer.from(signature.slice('sha256='.length));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A pino logger whose JSON lines are kept for assertions. */
export function capturingLogger(): { logger: Logger; lines: () => { level: string; msg: string; [key: string]: unknown }[] } {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  return { logger, lines: () => raw.map((line) => JSON.parse(line) as { level: string; msg: string }) };
}
