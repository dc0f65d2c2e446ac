import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { docker, dockerPush, dockerRemoveImage } from '../support/docker-cli.js';
import { run } from '../support/exec.js';
import { buildImage, uniqueName, writeMultiPlatformLayout } from '../support/images.js';
import { systemTool } from '../support/tools.js';
import { CounterQueue, CounterReader, WharfProcess, postgresConfig, roleConfigYaml, sharedPostgres, uniqueSchema } from './counter-harness.js';
import { freePort, PrivateRedis, waitFor } from './queue-redis.js';

/*
 * End to end through the real registry: `bin/wharf serve --roles registry,counter,api`, the real
 * Docker engine and skopeo. What a user checks: after N pushes and M pulls, the API's counters
 * read exactly N and M, single-platform and multi-platform alike.
 */
describe('download and push counters through the registry', () => {
  let redis: PrivateRedis;
  let wharf: WharfProcess;
  let reader: CounterReader;
  let schema: string;
  let api = '';
  let registry = '';
  const dirs: string[] = [];
  const localImages: string[] = [];

  before(async () => {
    redis = await PrivateRedis.start();
    schema = uniqueSchema();
    const database = postgresConfig(await sharedPostgres(), schema);
    const [registryPort, apiPort] = [await freePort(), await freePort()];
    registry = `127.0.0.1:${registryPort}`;
    api = `http://127.0.0.1:${apiPort}`;
    const storage = mkdtempSync(join(tmpdir(), 'wharf-counter-e2e-'));
    dirs.push(storage);
    const yaml = roleConfigYaml(redis.port, database, `http:\n  addr: ${registry}\napi:\n  addr: 127.0.0.1:${apiPort}\n`).replace(
      'storage:\n  inmemory:\n',
      `storage:\n  filesystem:\n    rootdirectory: ${storage}\n`,
    );
    wharf = new WharfProcess(yaml, 'registry,counter,api', 'wharf api listening');
    await wharf.start();
    reader = await CounterReader.open(database);
  });

  after(async () => {
    for (const ref of localImages) await dockerRemoveImage(ref).catch(() => undefined);
    await wharf?.dispose();
    await reader?.dropSchemaAndClose(schema).catch(() => undefined);
    await redis?.dispose();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function repository(name: string): Promise<{ status: number; pulls: number; pushes: number }> {
    const res = await fetch(`${api}/api/repositories/${name}`);
    const body = (await res.json()) as { pulls: number; pushes: number };
    return { status: res.status, pulls: body.pulls ?? 0, pushes: body.pushes ?? 0 };
  }

  async function tags(name: string): Promise<Record<string, [number, number]>> {
    const body = (await (await fetch(`${api}/api/repositories/${name}/tags`)).json()) as { items: { tag: string; pulls: number; pushes: number }[] };
    return Object.fromEntries(body.items.map((t) => [t.tag, [t.pulls, t.pushes]]));
  }

  /** Waits for the counters to reach `expected`, then for the queue to drain, then reads them once more. */
  async function settled(name: string, expected: { pulls: number; pushes: number }): Promise<{ pulls: number; pushes: number }> {
    let seen = '';
    try {
      await waitFor(
        async () => {
          const now = await repository(name);
          seen = JSON.stringify(now);
          return now.status === 200 && now.pulls >= expected.pulls && now.pushes >= expected.pushes;
        },
        30_000,
        () => `counters of ${name} did not reach ${JSON.stringify(expected)}: ${seen}`,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nrecorded requests:\n${await reader.explain(name)}\n${wharf.logs.slice(-3000)}`);
    }
    const queue = new CounterQueue(redis.config);
    try {
      await queue.drained(30_000);
    } finally {
      await queue.close();
    }
    await sleep(500); // anything still on its way (spool → Redis → counter) would land now
    const { pulls, pushes } = await repository(name);
    return { pulls, pushes };
  }

  test('docker push, then docker pull twice: 1 push and exactly 2 downloads for the tag (blob GETs and update checks do not count)', { timeout: 5 * 60_000 }, async () => {
    const repo = uniqueName('count/single');
    const ref = `${registry}/${repo}:v1`;
    const image = await buildImage(ref, `single ${repo}`);
    localImages.push(ref);
    await dockerPush(ref);
    assert.deepEqual(await settled(repo, { pulls: 0, pushes: 1 }), { pulls: 0, pushes: 1 });

    for (let i = 0; i < 2; i++) {
      await dockerRemoveImage(image.id);
      await docker(['pull', ref]);
    }
    assert.deepEqual(await settled(repo, { pulls: 2, pushes: 1 }), { pulls: 2, pushes: 1 });
    assert.deepEqual(await tags(repo), { v1: [2, 1] });

    // the image is present: docker only HEADs the tag ("Image is up to date"), nothing is downloaded
    const upToDate = await docker(['pull', ref]);
    assert.match(upToDate.stdout, /up to date/i);
    assert.deepEqual(await settled(repo, { pulls: 2, pushes: 1 }), { pulls: 2, pushes: 1 });
  });

  test('a multi-platform image: skopeo pushes it (1 push), docker pulls it (1 download, for its tag)', { timeout: 5 * 60_000 }, async () => {
    const repo = uniqueName('count/multi');
    const layoutDir = mkdtempSync(join(tmpdir(), 'wharf-oci-layout-'));
    dirs.push(layoutDir);
    await writeMultiPlatformLayout(layoutDir, 'v1', [
      { platform: { os: 'linux', architecture: 'amd64' }, message: `amd64 of ${repo}` },
      { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, message: `arm64 of ${repo}` },
    ]);
    const ref = `${registry}/${repo}:v1`;
    localImages.push(ref);
    await run(systemTool('skopeo'), ['--insecure-policy', 'copy', '--all', '--dest-tls-verify=false', `oci:${layoutDir}:v1`, `docker://${ref}`]);
    assert.deepEqual(await settled(repo, { pulls: 0, pushes: 1 }), { pulls: 0, pushes: 1 });

    await docker(['pull', ref]);
    assert.deepEqual(await settled(repo, { pulls: 1, pushes: 1 }), { pulls: 1, pushes: 1 });
    assert.deepEqual(await tags(repo), { v1: [1, 1] });
  });
});
