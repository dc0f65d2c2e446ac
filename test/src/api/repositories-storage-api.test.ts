import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { docker, dockerPush, dockerRemoveImage } from '../support/docker-cli.js';
import { freePort } from '../support/free-port.js';
import { buildImage, uniqueName } from '../support/images.js';
import { RegistryProcess } from '../support/registry-process.js';
import { getJson, okJson } from '../support/json-get.js';

/*
 * The repositories API with no `database:` section: `bin/wharf serve --roles registry,api` on
 * filesystem storage, images pushed by the real Docker engine. What storage holds is browsable;
 * every counter is null (unknown, not zero) and each answer says `counters: false`.
 */
const MANIFEST_TYPES = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';
const NO_COUNTERS = { pulls: null, pushes: null, lastPulledDay: null, lastPushedDay: null };

describe('repositories API from storage alone (no database section)', () => {
  const prefix = uniqueName('nodb');
  // three repositories, so paging by 2 has two pages; "app" holds two tags of one image
  const app = `${prefix}/app`;
  const names = [app, `${prefix}/beta`, `${prefix}/zulu`];
  let wharf: RegistryProcess;
  let api = '';
  let digest = '';
  const locals: string[] = [];

  const get = (path: string) => getJson(`${api}${path}`);
  const ok = (path: string) => okJson(`${api}${path}`);

  before(async () => {
    const apiPort = await freePort();
    api = `http://127.0.0.1:${apiPort}`;
    wharf = await RegistryProcess.start({ roles: ['registry', 'api'], readyTimeoutMs: 60_000, extraConfig: { api: { addr: `127.0.0.1:${apiPort}` } } });
    const local = `wharf-local/${prefix}:v1`;
    locals.push(local);
    await buildImage(local, `storage api ${prefix}`);
    for (const [name, tag] of [[app, 'v1'], [app, 'v2'], [names[1], 'latest'], [names[2], 'latest']] as const) {
      const ref = `${wharf.host}/${name}:${tag}`;
      locals.push(ref);
      await docker(['tag', local, ref]);
      digest = await dockerPush(ref);
    }
  });

  after(async () => {
    for (const ref of locals) await dockerRemoveImage(ref).catch(() => undefined);
    await wharf?.dispose();
  });

  test('the list: pushed repositories by name, counters null, the flag and the one available sort', async () => {
    const body = await ok(`/api/repositories?q=${prefix}`);
    assert.deepEqual(body, {
      items: names.map((name) => ({ name, pulls: null, pushes: null, lastPulledAt: null, lastPushedAt: null })),
      nextCursor: null,
      counters: false,
      sorts: ['name'],
    });
    assert.deepEqual(await ok(`/api/repositories?q=${prefix.toUpperCase()}&sort=name`), body, 'q is case-insensitive; sort=name works');
    assert.deepEqual((await ok(`/api/repositories?q=${prefix}/b`)).items.map((r: any) => r.name), [names[1]]);

    const first = await ok(`/api/repositories?q=${prefix}&size=2`);
    assert.deepEqual(first.items.map((r: any) => r.name), names.slice(0, 2));
    assert.equal(typeof first.nextCursor, 'string');
    const second = await ok(`/api/repositories?q=${prefix}&size=2&cursor=${first.nextCursor}`);
    assert.deepEqual(second.items.map((r: any) => r.name), names.slice(2));
    assert.equal(second.nextCursor, null);
  });

  test('one repository: its tag count from storage, counters null', async () => {
    assert.deepEqual(await ok(`/api/repositories/${app}`), {
      name: app,
      pulls: null,
      pushes: null,
      lastPulledAt: null,
      lastPushedAt: null,
      pullsByDigest: null,
      tagCount: 2,
      counters: false,
    });
    assert.equal((await ok(`/api/repositories/${encodeURIComponent(names[2]!)}`)).tagCount, 1);
  });

  test('its tags by name with the digests docker pushed, and one tag in detail', async () => {
    const tags = await ok(`/api/repositories/${app}/tags`);
    assert.equal(tags.counters, false);
    assert.equal(tags.repository, app);
    assert.equal(tags.nextCursor, null);
    assert.deepEqual(tags.items.map((t: any) => t.tag), ['v1', 'v2']);
    const manifest = await fetch(`${wharf.url}/v2/${app}/manifests/v1`, { headers: { accept: MANIFEST_TYPES } });
    assert.equal(manifest.headers.get('docker-content-digest'), digest, 'the registry serves the pushed digest');
    for (const row of tags.items) {
      assert.equal(row.digest, digest);
      assert.equal(row.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
      assert.ok(row.size > 0, `size of ${row.tag}`);
      assert.deepEqual(row.platforms, [{ os: 'linux', architecture: 'amd64' }]);
      assert.deepEqual({ pulls: row.pulls, pushes: row.pushes, lastPulledDay: row.lastPulledDay, lastPushedDay: row.lastPushedDay }, NO_COUNTERS);
    }
    const page1 = await ok(`/api/repositories/${app}/tags?size=1`);
    assert.deepEqual(page1.items.map((t: any) => t.tag), ['v1']);
    const page2 = await ok(`/api/repositories/${app}/tags?size=1&cursor=${page1.nextCursor}`);
    assert.deepEqual(page2.items.map((t: any) => t.tag), ['v2']);
    assert.equal(page2.nextCursor, null);

    const v1 = await ok(`/api/repositories/${app}/tags/v1`);
    assert.equal(v1.digest, digest);
    assert.equal(v1.layers.length, 2);
    assert.equal(v1.pullCommand, `docker pull ${wharf.host}/${app}:v1`);
    assert.equal(v1.counters, false);
    assert.deepEqual({ pulls: v1.pulls, pushes: v1.pushes, lastPulledDay: v1.lastPulledDay, lastPushedDay: v1.lastPushedDay }, NO_COUNTERS);
    const byDigest = await ok(`/api/repositories/${app}/manifests/${digest}`);
    assert.equal(byDigest.counters, false);
    assert.equal(byDigest.pulls, null);
  });

  test('a counter sort is a 400 naming the sorts that work; unknown things are 404; the leaderboard needs the database', async () => {
    for (const sort of ['pulls', 'pushes', 'lastPulled']) {
      const res = await get(`/api/repositories?sort=${sort}`);
      assert.equal(res.status, 400, `${sort}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.statusCode, 400);
      assert.match(res.body.message, new RegExp(`sort=${sort} needs the download counters.*no database section.*available sorts: name`));
    }
    const cases: [string, number, RegExp][] = [
      ['/api/repositories?sort=popularity', 400, /sort must be one of/],
      ['/api/repositories?cursor=not-a-cursor', 400, /cursor is not valid/],
      [`/api/repositories/${prefix}/nothing`, 404, /not in the registry's storage/],
      [`/api/repositories/${prefix}/nothing/tags`, 404, /not in the registry's storage/],
      [`/api/repositories/${app}/tags/nope`, 404, /manifest unknown/],
      ['/api/downloads/leaderboard', 503, /no database section is configured/],
    ];
    for (const [path, status, message] of cases) {
      const res = await get(path);
      assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.statusCode, status, path);
      assert.match(res.body.message, message, path);
    }
  });

  test('a database section whose PostgreSQL does not answer stays a 503, not a storage answer', async () => {
    const [apiPort, deadPort] = [await freePort(), await freePort()];
    const down = await RegistryProcess.start({
      roles: ['api'],
      storageRoot: wharf.storageRoot!,
      readyUrl: `http://127.0.0.1:${apiPort}/api/openapi.json`,
      extraConfig: {
        storage: { filesystem: { rootdirectory: wharf.storageRoot } },
        database: { url: `postgres://wharf:wharf@127.0.0.1:${deadPort}/wharf` },
        api: { addr: `127.0.0.1:${apiPort}` },
      },
    });
    try {
      for (const path of [`/api/repositories?q=${prefix}`, `/api/repositories/${app}`, `/api/repositories/${app}/tags`]) {
        const res = await fetch(`http://127.0.0.1:${apiPort}${path}`);
        const body = (await res.json()) as { statusCode: number; message: string };
        assert.equal(res.status, 503, `${path}: ${JSON.stringify(body)}`);
        assert.match(body.message, /PostgreSQL does not answer/, path);
      }
    } finally {
      await down.dispose();
    }
  });
});
