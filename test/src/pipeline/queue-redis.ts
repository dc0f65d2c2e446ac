import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig, type RedisConfig, type WharfConfig } from '@wharf/config';
import { EventAction, type RegistryEvent } from '@wharf/events';
import { createLogger, type Logger } from '@wharf/observability';
import { Redis } from 'ioredis';
import { run } from '../support/exec.js';
import { repoRoot } from '../support/tools.js';
import { PrivateService, REDIS } from '../support/private-service.js';

/*
 * Shared helpers of the queue suites (test/src/pipeline/queue-*.test.ts): the real Redis that
 * scripts/redis.sh runs, a unique key prefix per test, events, and a recording HTTP receiver.
 */

export const SHARED_REDIS_PORT = 6390;

/** Starts (or reuses) the shared test Redis on 127.0.0.1:6390 via scripts/redis.sh. */
export async function sharedRedis(): Promise<RedisConfig> {
  await run('bash', [join(repoRoot, 'scripts', 'redis.sh'), 'start'], { timeoutMs: 30_000 });
  return redisConfig(SHARED_REDIS_PORT);
}

function redisConfig(port: number): RedisConfig {
  return parseConfig(`version: 0.1\nstorage:\n  inmemory:\nredis:\n  addr: 127.0.0.1:${port}\n`, {}).redis!;
}

/** A typed Wharf config from YAML appended to an inmemory base. */
export function wharfConfig(yaml: string): WharfConfig {
  return parseConfig(`version: 0.1\nstorage:\n  inmemory:\n${yaml}`, {});
}

/** A key prefix no other test uses; `cleanup` deletes every key under it. */
export function uniquePrefix(): string {
  return `wharf-test-${randomUUID().slice(0, 8)}`;
}

export async function deleteKeys(port: number, prefix: string): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A Redis of the test's own (port and folder), for tests that stop and restart it. */
export class PrivateRedis extends PrivateService {
  static start(): Promise<PrivateRedis> {
    return PrivateRedis.launch(REDIS);
  }

  get config(): RedisConfig {
    return redisConfig(this.port);
  }
}

export { freePort } from '../support/free-port.js';

export function quietLogger(): Logger {
  return createLogger({ level: process.env['WHARF_TEST_LOG'] === 'debug' ? 'debug' : 'silent' });
}

let sequence = 0;

/** A registry:2-shaped event with a unique id; `n` shows in the repository name for readable failures. */
export function makeEvent(n: number, overrides: Partial<RegistryEvent> = {}): RegistryEvent {
  sequence++;
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    action: EventAction.Push,
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 1234,
      digest: `sha256:${String(sequence).padStart(64, '0')}`,
      length: 1234,
      repository: `test/repo-${n}`,
      url: `http://localhost:5000/v2/test/repo-${n}/manifests/sha256:${String(sequence).padStart(64, '0')}`,
      tag: 'latest',
    },
    request: { id: randomUUID(), addr: '127.0.0.1:40000', host: 'localhost:5000', method: 'PUT', useragent: 'queue-test' },
    actor: {},
    source: { addr: 'localhost:5000', instanceID: 'queue-test' },
    ...overrides,
  };
}

export interface ReceivedRequest {
  at: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status the receiver answered with. */
  status: number;
}

/** A local HTTP endpoint that records every request and answers with the status `respond` picks. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  respond: (request: Omit<ReceivedRequest, 'status'>, index: number) => number = () => 200;
  /** How long each answer waits (a slow endpoint). */
  delayMs = 0;
  private readonly server = createHttpServer((req, res) => this.handle(req, res));
  private port = 0;

  /** Listens on `port` (default: any free one), e.g. to come back where a closed receiver was. */
  static async start(port = 0): Promise<Receiver> {
    const receiver = new Receiver();
    await new Promise<void>((resolve) => receiver.server.listen(port, '127.0.0.1', resolve));
    const address = receiver.server.address();
    receiver.port = typeof address === 'object' && address !== null ? address.port : 0;
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/events`;
  }

  /** Ids of the events in the requests answered with a 2xx/3xx, in arrival order. */
  acceptedIds(): string[] {
    return this.requests.filter((r) => r.status < 400).flatMap((r) => (JSON.parse(r.body) as { events: RegistryEvent[] }).events.map((e) => e.id));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = {
        at: Date.now(),
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const answer = () => {
        const status = this.respond(received, this.requests.length);
        this.requests.push({ ...received, status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 400 ? 'ok' : 'nope');
      };
      if (this.delayMs > 0) setTimeout(answer, this.delayMs);
      else answer();
    });
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes; then fails with `describe()`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
}
