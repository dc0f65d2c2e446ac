import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { describeResponse, send } from '../protocol/oci-http.js';
import { pushImage } from '../protocol/oci-operations.js';
import { run } from '../support/exec.js';
import { freePort } from '../support/free-port.js';
import { RegistryProcess } from '../support/registry-process.js';
import { systemTool } from '../support/tools.js';
import { Receiver, waitFor } from '../pipeline/queue-redis.js';

/*
 * redis v3 topology keys, started for real on loopback: `addrs` with several nodes is a Redis
 * Cluster, `mastername` a Sentinel-watched primary. Wharf connects, delivers its events through
 * BullMQ on them and keeps its blob descriptor cache there. (Failover under load is a later issue.)
 */

class RedisServers {
  private readonly children: ChildProcess[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'wharf-redis-topology-'));

  async start(port: number, args: string[] = [], config?: string): Promise<void> {
    const dir = join(this.dir, String(port));
    await run('mkdir', ['-p', dir]);
    const file = join(dir, 'redis.conf');
    writeFileSync(file, config ?? '');
    const child = spawn(systemTool('redis-server'), [file, '--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no', ...args], {
      stdio: 'ignore',
    });
    this.children.push(child);
    const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await waitFor(async () => (await probe.connect().then(() => probe.ping(), () => '')) === 'PONG', 15_000, () => `redis on ${port} did not answer`);
    } finally {
      probe.disconnect();
    }
  }

  async stop(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    await sleep(100);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function pushAndCheck(addrs: string[], extraRedis: Record<string, unknown>, inspect: () => Promise<{ cached: number; queueKeys: number }>): Promise<void> {
  const receiver = await Receiver.start();
  const registry = await RegistryProcess.start({
    kind: 'wharf',
    storage: 'inmemory',
    extraConfig: {
      redis: { addrs, ...extraRedis },
      storage: { inmemory: {}, delete: { enabled: true }, cache: { blobdescriptor: 'redis' } },
      notifications: { endpoints: [{ name: 'topology', url: receiver.url, timeout: '2s', threshold: 3, backoff: '1s' }] },
    },
  });
  try {
    const repo = `topology/app-${Date.now()}`;
    const image = await pushImage(registry.url, repo, 'v1');
    const head = await send(registry.url, 'HEAD', `/v2/${repo}/blobs/${image.layer.digest}`);
    assert.equal(head.status, 200, describeResponse(head));
    await waitFor(
      () => receiver.requests.some((r) => r.body.includes(image.digest) && r.body.includes('"push"')),
      60_000,
      () => `the push event reached the endpoint (${receiver.requests.length} requests)\n${registry.logs.slice(-2_000)}`,
    );
    const seen = await inspect();
    assert.ok(seen.cached >= 1, `the blob descriptor cache wrote to this Redis: ${JSON.stringify(seen)}`);
    assert.ok(seen.queueKeys >= 1, `the queues live in this Redis: ${JSON.stringify(seen)}`);
  } finally {
    await registry.dispose();
    await receiver.close();
  }
}

describe('redis topologies: Cluster (several addrs) and Sentinel (mastername)', { timeout: 240_000 }, () => {
  const servers: RedisServers[] = [];
  after(async () => {
    for (const s of servers) await s.stop();
  });

  it('a three-master Redis Cluster: events are delivered through BullMQ under a hash-tagged prefix, the cache works', async () => {
    const cluster = new RedisServers();
    servers.push(cluster);
    const ports = [await freePort(), await freePort(), await freePort()];
    for (const port of ports) await cluster.start(port, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '5000']);
    await run(systemTool('redis-cli'), ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeoutMs: 60_000 });
    const probe = new Redis({ host: '127.0.0.1', port: ports[0]!, maxRetriesPerRequest: 1 });
    await waitFor(async () => (await probe.cluster('INFO')).includes('cluster_state:ok'), 30_000, () => 'cluster_state:ok');
    probe.disconnect();

    const client = new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })));
    try {
      await pushAndCheck(ports.map((p) => `127.0.0.1:${p}`), {}, async () => {
        const count = async (pattern: string) => {
          let total = 0;
          for (const node of client.nodes('master')) total += (await node.keys(pattern)).length;
          return total;
        };
        return { cached: await count('blobs::*'), queueKeys: await count('{wharf}:*') };
      });
    } finally {
      client.disconnect();
    }
  });

  it('a Sentinel-watched primary: Wharf finds it through the sentinel and works on it', async () => {
    const sentinel = new RedisServers();
    servers.push(sentinel);
    const primary = await freePort();
    const sentinelPort = await freePort();
    await sentinel.start(primary);
    await sentinel.start(sentinelPort, ['--sentinel'], `sentinel monitor wharfprimary 127.0.0.1 ${primary} 1\nsentinel down-after-milliseconds wharfprimary 5000\n`);
    const client = new Redis({ host: '127.0.0.1', port: primary, maxRetriesPerRequest: 1 });
    try {
      await pushAndCheck([`127.0.0.1:${sentinelPort}`], { mastername: 'wharfprimary' }, async () => ({
        cached: (await client.keys('blobs::*')).length,
        queueKeys: (await client.keys('wharf:*')).length,
      }));
    } finally {
      client.disconnect();
    }
  });
});
