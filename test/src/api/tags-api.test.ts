import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RegistryEvent } from '@wharf/events';
import { docker, dockerPush, dockerRemoveImage } from '../support/docker-cli.js';
import { run } from '../support/exec.js';
import { buildImage, uniqueName, writeMultiPlatformLayout, type OciLayoutImage } from '../support/images.js';
import { RegistryProcess } from '../support/registry-process.js';
import { systemTool } from '../support/tools.js';
import { postgresConfig, sharedPostgres, uniqueSchema } from '../pipeline/counter-harness.js';
import { freePort, PrivateRedis, Receiver, waitFor } from '../pipeline/queue-redis.js';
import { getJson, okJson } from '../support/json-get.js';

/*
 * Tags and manifests as the dashboard shows them, read by the api role from the registry's own
 * storage: `bin/wharf serve --roles registry,counter,api` on real Redis and PostgreSQL, images
 * pushed by the real Docker engine and skopeo. Every figure is checked against what the registry
 * itself serves on /v2; deletes are checked on /v2 and by the registry:2 events an endpoint receives.
 */
interface Descriptor {
  digest: string;
  mediaType: string;
  size: number;
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

describe('tags and manifests API over the registry storage', () => {
  const repo = uniqueName('team/app');
  let redis: PrivateRedis;
  let receiver: Receiver;
  let wharf: RegistryProcess;
  let readOnlyApi: RegistryProcess;
  let api = '';
  let noDeleteApi = '';
  let imageDigest = '';
  let layout: OciLayoutImage;
  const dirs: string[] = [];
  const localRefs: string[] = [];

  const get = (path: string, base = api) => getJson(`${base}${path}`);
  const ok = (path: string) => okJson(`${api}${path}`);

  async function del(path: string, base = api): Promise<{ status: number; body: any }> {
    const res = await fetch(`${base}${path}`, { method: 'DELETE' });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
  }

  /** The manifest as the registry serves it, and what it references. */
  async function registryManifest(reference: string): Promise<{ bytes: number; doc: any }> {
    const res = await fetch(`${wharf.url}/v2/${repo}/manifests/${reference}`, { headers: { accept: MANIFEST_TYPES } });
    assert.equal(res.status, 200, `GET /v2/${repo}/manifests/${reference}`);
    const buffer = Buffer.from(await res.arrayBuffer());
    return { bytes: buffer.length, doc: JSON.parse(buffer.toString('utf8')) };
  }

  function deleteEvents(): RegistryEvent[] {
    return receiver.requests
      .flatMap((r) => (JSON.parse(r.body) as { events: RegistryEvent[] }).events)
      .filter((e) => e.action === 'delete' && e.target.repository === repo);
  }

  before(async () => {
    redis = await PrivateRedis.start();
    receiver = await Receiver.start();
    const database = postgresConfig(await sharedPostgres(), uniqueSchema());
    const apiPort = await freePort();
    api = `http://127.0.0.1:${apiPort}`;
    wharf = await RegistryProcess.start({
      roles: ['registry', 'counter', 'api'],
      readyTimeoutMs: 60_000,
      extraConfig: {
        redis: { addr: `127.0.0.1:${redis.port}` },
        database: { url: database.url, schema: database.schema },
        notifications: { endpoints: [{ name: 'listener', url: receiver.url, timeout: '2s', threshold: 5, backoff: '1s' }] },
        api: { addr: `127.0.0.1:${apiPort}` },
      },
    });
    await waitFor(async () => (await fetch(`${api}/api/openapi.json`).catch(() => undefined))?.ok === true, 60_000, () => `api not up: ${wharf.logs}`);

    // the api role alone, on the same storage, with deletes disabled
    const noDeletePort = await freePort();
    noDeleteApi = `http://127.0.0.1:${noDeletePort}`;
    readOnlyApi = await RegistryProcess.start({
      roles: ['api'],
      storageRoot: wharf.storageRoot!,
      readyUrl: `${noDeleteApi}/api/openapi.json`,
      extraConfig: {
        storage: { filesystem: { rootdirectory: wharf.storageRoot }, delete: { enabled: false } },
        database: { url: database.url, schema: database.schema },
        api: { addr: `127.0.0.1:${noDeletePort}` },
      },
    });

    // one docker-built image under two tags, pulled once as v1
    const v1 = `${wharf.host}/${repo}:v1`;
    const v2 = `${wharf.host}/${repo}:v2`;
    localRefs.push(v1, v2);
    await buildImage(v1, `tags api ${repo}`);
    await docker(['tag', v1, v2]);
    imageDigest = await dockerPush(v1);
    assert.equal(await dockerPush(v2), imageDigest);
    await dockerRemoveImage(v1);
    await docker(['pull', v1]);

    // a two-platform index, as skopeo pushes it
    const layoutDir = mkdtempSync(join(tmpdir(), 'wharf-tags-layout-'));
    dirs.push(layoutDir);
    layout = await writeMultiPlatformLayout(layoutDir, 'multi', [
      { platform: { os: 'linux', architecture: 'amd64' }, message: `amd64 of ${repo}` },
      { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, message: `arm64 of ${repo}` },
    ]);
    await run(systemTool('skopeo'), ['--insecure-policy', 'copy', '--all', '--dest-tls-verify=false', `oci:${layoutDir}:multi`, `docker://${wharf.host}/${repo}:multi`]);

    // the counter role has seen the pull and the three pushes
    await waitFor(
      async () => {
        const { status, body } = await get(`/api/repositories/${repo}/tags`);
        const byTag = new Map<string, any>((status === 200 ? body.items : []).map((t: any) => [t.tag, t]));
        return byTag.get('v1')?.pulls === 1 && byTag.get('v2')?.pushes === 1 && byTag.get('multi')?.pushes === 1;
      },
      30_000,
      () => `counters for ${repo} not there: ${wharf.logs.slice(-2000)}`,
    );
  });

  after(async () => {
    for (const ref of localRefs) await dockerRemoveImage(ref).catch(() => undefined);
    await readOnlyApi?.dispose();
    await wharf?.dispose();
    await receiver?.close();
    await redis?.dispose();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('the tags list: every tag with its counters and what storage holds, most downloaded first, then by name', async () => {
    const body = await ok(`/api/repositories/${repo}/tags`);
    assert.equal(body.repository, repo);
    assert.equal(body.nextCursor, null);
    assert.deepEqual(body.items.map((t: any) => [t.tag, t.pulls]), [['v1', 1], ['multi', 0], ['v2', 0]]);

    const image = await registryManifest(imageDigest);
    const imageSize = image.bytes + image.doc.config.size + image.doc.layers.reduce((s: number, l: Descriptor) => s + l.size, 0);
    const [v1, multi, v2] = body.items;
    for (const tag of [v1, v2]) {
      assert.equal(tag.digest, imageDigest);
      assert.equal(tag.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
      assert.equal(tag.size, imageSize);
      assert.deepEqual(tag.platforms, [{ os: 'linux', architecture: 'amd64' }]);
      assert.ok(Math.abs(Date.parse(tag.created) - Date.now()) < 10 * 60_000, `created is the build time: ${tag.created}`);
    }
    assert.equal(v1.pushes, 1);
    assert.equal(multi.digest, layout.indexDigest);
    assert.equal(multi.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(multi.platforms, [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    assert.equal(multi.created, null, 'the layout configs carry no created time');

    const page1 = await ok(`/api/repositories/${encodeURIComponent(repo)}/tags?size=2`);
    assert.deepEqual(page1.items.map((t: any) => t.tag), ['v1', 'multi']);
    const page2 = await ok(`/api/repositories/${repo}/tags?size=2&cursor=${page1.nextCursor}`);
    assert.deepEqual(page2.items.map((t: any) => t.tag), ['v2']);
    assert.equal(page2.nextCursor, null);
  });

  test('one tag: config, layers, platform, size, counters and a docker pull command that works', async () => {
    const body = await ok(`/api/repositories/${repo}/tags/v1`);
    const image = await registryManifest('v1');
    const layers = image.doc.layers.map((l: Descriptor) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size }));
    const size = image.bytes + image.doc.config.size + layers.reduce((s: number, l: Descriptor) => s + l.size, 0);
    assert.deepEqual(body, {
      repository: repo,
      tag: 'v1',
      digest: imageDigest,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      size,
      created: body.created,
      config: { digest: image.doc.config.digest, mediaType: image.doc.config.mediaType, size: image.doc.config.size },
      layers,
      platforms: [{ os: 'linux', architecture: 'amd64', digest: imageDigest, size }],
      pulls: 1,
      pushes: 1,
      lastPulledDay: new Date().toISOString().slice(0, 10),
      lastPushedDay: new Date().toISOString().slice(0, 10),
      pullCommand: `docker pull ${wharf.host}/${repo}:v1`,
      counters: true,
    });
    assert.equal(layers.length, 2);
    const ref = body.pullCommand.replace(/^docker pull /, '');
    await dockerRemoveImage(ref);
    await docker(['pull', ref]);
  });

  test('a multi-platform tag lists its platforms; each platform is reached by digest', async () => {
    const body = await ok(`/api/repositories/${repo}/tags/multi`);
    assert.equal(body.digest, layout.indexDigest);
    assert.equal(body.config, null);
    assert.deepEqual(body.layers, []);
    const children = [];
    for (const m of layout.manifests) {
      const child = await registryManifest(m.digest);
      const size = child.bytes + child.doc.config.size + child.doc.layers.reduce((s: number, l: Descriptor) => s + l.size, 0);
      children.push({ ...m.platform, digest: m.digest, size });
    }
    assert.deepEqual(body.platforms, children);
    assert.equal(body.size, children.reduce((s, c) => s + c.size, 0), 'an index: the sum of its platforms');
    assert.equal(body.pullCommand, `docker pull ${wharf.host}/${repo}:multi`);

    const arm = children[1]!;
    const child = await ok(`/api/repositories/${repo}/manifests/${arm.digest}`);
    assert.equal(child.tag, null);
    assert.equal(child.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(child.size, arm.size);
    assert.equal(child.layers.length, 2);
    assert.equal(child.config.mediaType, 'application/vnd.oci.image.config.v1+json');
    assert.deepEqual(child.platforms, [{ os: 'linux', architecture: 'arm64', variant: 'v8', digest: arm.digest, size: arm.size }]);
    assert.equal(child.pullCommand, `docker pull ${wharf.host}/${repo}@${arm.digest}`);
  });

  test('the api role alone reads the same storage; with deletes disabled a delete is a 405 with a message', async () => {
    const body = (await get(`/api/repositories/${repo}/tags/v1`, noDeleteApi)).body;
    assert.equal(body.digest, imageDigest);
    const refused = await del(`/api/repositories/${repo}/tags/v1`, noDeleteApi);
    assert.equal(refused.status, 405);
    assert.match(refused.body.message, /storage\.delete\.enabled/);
    assert.equal((await get(`/api/repositories/${repo}/tags/v1`)).status, 200, 'still there');
  });

  test('deleting a tag: 204, gone from /v2, still listed with its counters, and the registry:2 delete event', async () => {
    const res = await del(`/api/repositories/${repo}/tags/v2`);
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const tags = (await (await fetch(`${wharf.url}/v2/${repo}/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags.sort(), ['multi', 'v1']);
    assert.equal((await fetch(`${wharf.url}/v2/${repo}/manifests/${imageDigest}`, { method: 'HEAD', headers: { accept: MANIFEST_TYPES } })).status, 200, 'the manifest stays');

    const list = await ok(`/api/repositories/${repo}/tags`);
    assert.deepEqual(list.items.find((t: any) => t.tag === 'v2'), {
      tag: 'v2', pulls: 0, pushes: 1, lastPulledDay: null, lastPushedDay: new Date().toISOString().slice(0, 10),
      digest: null, mediaType: null, size: null, created: null, platforms: [],
    });
    assert.equal((await get(`/api/repositories/${repo}/tags/v2`)).status, 404);

    await waitFor(() => deleteEvents().some((e) => e.target.tag === 'v2'), 30_000, () => `no delete event: ${JSON.stringify(receiver.requests.length)}`);
    const event = deleteEvents().find((e) => e.target.tag === 'v2')!;
    assert.deepEqual(event.target, { repository: repo, tag: 'v2' });
    assert.equal(event.request.method, 'DELETE');
  });

  test('deleting a manifest by digest removes it and its tags, with the registry:2 delete event', async () => {
    const res = await del(`/api/repositories/${encodeURIComponent(repo)}/manifests/${layout.indexDigest}`);
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.equal((await fetch(`${wharf.url}/v2/${repo}/manifests/multi`, { headers: { accept: MANIFEST_TYPES } })).status, 404);
    assert.equal((await get(`/api/repositories/${repo}/manifests/${layout.indexDigest}`)).status, 404);
    await waitFor(() => deleteEvents().some((e) => e.target.digest === layout.indexDigest), 30_000, () => 'no delete event for the index');
    const event = deleteEvents().find((e) => e.target.digest === layout.indexDigest)!;
    assert.deepEqual(event.target, { repository: repo, digest: layout.indexDigest });
  });

  test('bad input and unknown things get clear JSON errors', async () => {
    const missing = `sha256:${'0'.repeat(64)}`;
    const cases: [string, 'GET' | 'DELETE', number, RegExp][] = [
      [`/api/repositories/${repo}/tags/nope`, 'GET', 404, /manifest unknown/],
      [`/api/repositories/${repo}/tags/nope`, 'DELETE', 404, /manifest unknown/],
      [`/api/repositories/${repo}/manifests/${missing}`, 'GET', 404, /manifest unknown/],
      [`/api/repositories/${repo}/manifests/${missing}`, 'DELETE', 404, /manifest unknown/],
      [`/api/repositories/no/such/repo/tags`, 'GET', 404, /never pushed or pulled/],
      [`/api/repositories/${repo}/tags/-bad`, 'GET', 400, /not a valid tag/],
      [`/api/repositories/${repo}/tags/${'a'.repeat(129)}`, 'DELETE', 400, /not a valid tag/],
      [`/api/repositories/${repo}/manifests/sha256:xyz`, 'GET', 400, /digest/],
      [`/api/repositories/${repo}/manifests/md5:abc`, 'DELETE', 400, /digest/],
      [`/api/repositories/${repo}/tags/v1?verbose=1`, 'GET', 400, /Unrecognized key/],
      [`/api/repositories/${repo}`, 'DELETE', 405, /only a tag/],
      [`/api/repositories/${repo}/tags`, 'DELETE', 405, /only a tag/],
      [`/api/repositories/Bad/tags/v1`, 'DELETE', 400, /not a valid repository name/],
    ];
    for (const [path, method, status, message] of cases) {
      const res = method === 'GET' ? await get(path) : await del(path);
      assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.statusCode, status, path);
      assert.match(res.body.message, message, `${method} ${path}`);
    }
    assert.equal((await get(`/api/repositories/${repo}/tags/v1`)).status, 200, 'the api still answers');
  });
});
