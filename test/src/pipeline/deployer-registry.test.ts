import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WharfConfig } from '@wharf/config';
import { tail } from '../support/exec.js';
import { repoRoot } from '../support/tools.js';
import { send } from '../protocol/oci-http.js';
import { pushImage } from '../protocol/oci-operations.js';
import { deployerYaml, dropSchema, sharedPostgres, signatureVerifies, uniqueSchema, WebhookTables } from './deployer-fixtures.js';
import { freePort, PrivateRedis, Receiver, waitFor, wharfConfig } from './queue-redis.js';

/*
 * End to end through the real registry: `wharf serve --roles registry,deployer`, an image pushed
 * over the OCI API, and a subscribed receiver getting exactly one signed deploy POST for the tag —
 * not for the layers, not for the pull.
 */

describe('deployer end to end: registry push → signed webhook', () => {
  let redis: PrivateRedis;
  let receiver: Receiver;
  let wharf: ChildProcess | undefined;
  let config: WharfConfig;
  let tables: WebhookTables;
  let registry = '';
  let output = '';
  let dir = '';

  before(async () => {
    await sharedPostgres();
    redis = await PrivateRedis.start();
    receiver = await Receiver.start();
    const port = await freePort();
    registry = `http://127.0.0.1:${port}`;
    dir = mkdtempSync(join(tmpdir(), 'wharf-deployer-e2e-'));
    const yaml = `notifications:\n  spool:\n    directory: ${join(dir, 'spool')}\n${deployerYaml(uniqueSchema(), redis.port, {}, { addr: `127.0.0.1:${port}` })}`;
    config = wharfConfig(yaml);
    tables = await WebhookTables.open(config);
    writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: info\nstorage:\n  inmemory:\n${yaml}`);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
    wharf = spawn(process.execPath, [join(repoRoot, 'bin', 'wharf'), 'serve', join(dir, 'config.yml'), '--roles', 'registry,deployer'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    wharf.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    wharf.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    await waitFor(
      async () => {
        if (wharf?.exitCode !== null) throw new Error(`wharf exited: ${tail(output)}`);
        return output.includes('deployer started') && (await fetch(`${registry}/v2/`).then((r) => r.status === 200, () => false));
      },
      60_000,
      () => `wharf not ready: ${tail(output)}`,
    );
  });

  after(async () => {
    if (wharf && wharf.exitCode === null) {
      const gone = new Promise((resolve) => wharf!.once('exit', resolve));
      wharf.kill('SIGTERM');
      await gone;
    }
    await tables?.release();
    await receiver?.close();
    await redis?.dispose();
    if (config !== undefined) await dropSchema(config);
    rmSync(dir, { recursive: true, force: true });
  });

  test('pushing a tagged image sends one signed deploy payload naming it by tag and digest', async () => {
    const subscription = await tables.subscribe(receiver.url, { filterRepository: 'apps/*', filterTag: '*' });
    const image = await pushImage(registry, 'apps/web', 'v1.0.0');
    await waitFor(() => receiver.requests.length >= 1, 15_000, () => `no webhook: ${tail(output)}`);
    // a pull is not a push, and the layer pushes are blobs
    assert.equal((await send(registry, 'GET', '/v2/apps/web/manifests/v1.0.0')).status, 200);
    await sleep(1_000);
    assert.equal(receiver.requests.length, 1, receiver.requests.map((r) => r.body).join('\n'));

    const request = receiver.requests[0]!;
    assert.ok(signatureVerifies(subscription.secret, request.headers, request.body), 'signed with the subscription secret');
    const body = JSON.parse(request.body) as Record<string, unknown>;
    const host = new URL(registry).host;
    assert.equal(body['image'], `${host}/apps/web:v1.0.0@${image.digest}`);
    assert.equal(body['repository'], 'apps/web');
    assert.equal(body['tag'], 'v1.0.0');
    assert.equal(body['digest'], image.digest);
    assert.equal(body['mediaType'], 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(body['action'], 'push');
    await waitFor(async () => (await tables.attempts(subscription.id)).some((r) => r.success), 5_000, () => 'not logged');
  });
});
