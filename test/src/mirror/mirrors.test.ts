import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RegistryEvent } from '@wharf/events';
import { Scratch, tokenAuthSections, tokenKeyPair, tokenServerSection, writeHtpasswd } from '../auth/auth-fixtures.js';
import { describeResponse, errorCodes, send } from '../protocol/oci-http.js';
import { OCI_MANIFEST, pushImage } from '../protocol/oci-operations.js';
import { Receiver, sharedRedis, SHARED_REDIS_PORT, waitFor } from '../pipeline/queue-redis.js';
import { RegistryProcess } from '../support/registry-process.js';
import { pullBlob, pullManifest, pushUpstreamImage, type UpstreamImage } from './mirror-fixtures.js';

/*
 * Wharf's `mirrors:` section: one Wharf caching several upstreams (real docker-registry processes,
 * one behind token auth, one behind HTTP Basic) beside the repositories it hosts, reached by
 * containerd's `?ns=`, by a host prefix in the path, and by Docker's bare Docker Hub names.
 */
describe('mirrors: one cache for several upstreams beside hosted repositories', () => {
  const scratch = new Scratch();
  const pair = tokenKeyPair(scratch);
  const htpasswd = scratch.path('htpasswd');
  // Distinct, greppable secrets: they must never appear in a log line or an event.
  const tokenSecret = `tok-${Math.random().toString(36).slice(2)}-secret`;
  const basicSecret = `basic-${Math.random().toString(36).slice(2)}-secret`;
  const started: RegistryProcess[] = [];
  let receiver: Receiver;
  let wharf: RegistryProcess;
  let hub: UpstreamImage;
  let privateImage: UpstreamImage;
  let ghcr: UpstreamImage;

  const start = async (opts: Parameters<typeof RegistryProcess.start>[0]) => {
    const registry = await RegistryProcess.start(opts);
    started.push(registry);
    return registry;
  };

  before(async () => {
    await sharedRedis();
    writeHtpasswd(htpasswd, { mirror: tokenSecret, basicbot: basicSecret });
    // Wharf's token server plays Docker Hub's auth service: anonymous pulls of public/**, the mirror account pulls all.
    const access = {
      admins: ['mirror'],
      rules: [{ repositories: ['public/**'], users: ['*', 'anonymous'], actions: ['pull'] }],
    };
    const issuer = await start({ kind: 'wharf', extraConfig: (host) => ({ ...tokenAuthSections(host, pair), ...tokenServerSection(pair, htpasswd), access }) });
    const tokenUpstream = await start({ kind: 'reference', extraConfig: tokenAuthSections(issuer.host, pair) });
    const basicUpstream = await start({ kind: 'reference', extraConfig: { auth: { htpasswd: { realm: 'basic-upstream', path: htpasswd } } } });
    // Content goes in through an open docker-registry on each upstream's storage.
    const tokenSeed = await start({ kind: 'reference', storageRoot: tokenUpstream.storageRoot! });
    const basicSeed = await start({ kind: 'reference', storageRoot: basicUpstream.storageRoot! });
    hub = await pushUpstreamImage(tokenSeed.url, 'public/hub', 'v1');
    privateImage = await pushUpstreamImage(tokenSeed.url, 'private/tool', 'v1');
    ghcr = await pushUpstreamImage(basicSeed.url, 'org/app', 'v1');

    receiver = await Receiver.start();
    wharf = await start({
      kind: 'wharf',
      extraConfig: {
        log: { level: 'debug' },
        redis: { addr: `127.0.0.1:${SHARED_REDIS_PORT}` },
        notifications: { endpoints: [{ name: `mirrors-${process.pid}-${Date.now()}`, url: receiver.url, timeout: '2s', threshold: 3, backoff: '1s' }] },
        mirrors: [
          { host: 'docker.io', remoteurl: tokenUpstream.url },
          { host: 'quay.io', remoteurl: tokenUpstream.url, username: 'mirror', password: tokenSecret, ttl: '1h' },
          { host: 'ghcr.io', remoteurl: basicUpstream.url, username: 'basicbot', password: basicSecret },
        ],
      },
    });
  });

  after(async () => {
    for (const registry of started.reverse()) await registry.dispose();
    await receiver?.close();
    scratch.cleanup();
  });

  test('containerd\'s ?ns= and a host prefix reach the same cached repository (upstream behind HTTP Basic)', async () => {
    const byNs = await pullManifest(wharf.url, '/v2/org/app/manifests/v1?ns=ghcr.io');
    assert.equal(byNs.digest, ghcr.digest);
    await pullBlob(wharf.url, `/v2/org/app/blobs/${ghcr.layer.digest}?ns=ghcr.io`, ghcr.layer);
    const byPrefix = await pullManifest(wharf.url, '/v2/ghcr.io/org/app/manifests/v1');
    assert.equal(byPrefix.digest, ghcr.digest);
    await pullBlob(wharf.url, `/v2/ghcr.io/org/app/blobs/${ghcr.config.digest}`, ghcr.config);
  });

  test('Docker Hub names arrive bare and are fetched with an anonymous token; an account gets what anonymous may not', async () => {
    assert.equal((await pullManifest(wharf.url, '/v2/public/hub/manifests/v1')).digest, hub.digest);
    await pullBlob(wharf.url, `/v2/public/hub/blobs/${hub.layer.digest}`, hub.layer);
    const anonymous = await send(wharf.url, 'GET', '/v2/private/tool/manifests/v1', { headers: { Accept: OCI_MANIFEST } });
    assert.equal(anonymous.status, 403, describeResponse(anonymous));
    assert.deepEqual(errorCodes(anonymous), ['DENIED']);
    assert.equal((await pullManifest(wharf.url, '/v2/quay.io/private/tool/manifests/v1')).digest, privateImage.digest);
    await pullBlob(wharf.url, `/v2/private/tool/blobs/${privateImage.layer.digest}?ns=quay.io`, privateImage.layer);
  });

  test('Wharf hosts its own repositories at the same time; cached ones refuse pushes; an unknown ns is named', async () => {
    const own = await pushImage(wharf.url, 'team/own', 'v1');
    assert.equal((await pullManifest(wharf.url, '/v2/team/own/manifests/v1')).digest, own.digest, 'a bare name Wharf hosts is not sent to Docker Hub');
    const push = await send(wharf.url, 'POST', '/v2/ghcr.io/org/app/blobs/uploads/', { headers: { 'Content-Length': 0 } });
    assert.equal(push.status, 405, describeResponse(push));
    assert.deepEqual(errorCodes(push), ['UNSUPPORTED']);
    const unknown = await send(wharf.url, 'GET', '/v2/org/app/manifests/v1?ns=nowhere.example', { headers: { Accept: OCI_MANIFEST } });
    assert.equal(unknown.status, 404, describeResponse(unknown));
    assert.deepEqual(errorCodes(unknown), ['NAME_UNKNOWN']);
    const catalog = JSON.parse((await send(wharf.url, 'GET', '/v2/_catalog')).body.toString()) as { repositories: string[] };
    for (const name of ['docker.io/public/hub', 'ghcr.io/org/app', 'quay.io/private/tool', 'team/own']) {
      assert.ok(catalog.repositories.includes(name), `${name} in ${catalog.repositories.join(', ')}`);
    }
  });

  test('hits and fills are registry:2 pull events with Wharf\'s cache field; no credential in any event or log line', async () => {
    const received = (): RegistryEvent[] => receiver.requests.flatMap((r) => (JSON.parse(r.body) as { events: RegistryEvent[] }).events);
    const forLayer = () => received().filter((e) => e.target.digest === ghcr.layer.digest && e.action === 'pull');
    await pullBlob(wharf.url, `/v2/ghcr.io/org/app/blobs/${ghcr.layer.digest}`, ghcr.layer);
    await waitFor(() => forLayer().length >= 2, 30_000, () => `pull events of the layer: ${JSON.stringify(forLayer())}`);
    const outcomes = forLayer().map((e) => e.wharf);
    assert.deepEqual(outcomes.slice(0, 2), [
      { cache: 'fill', upstream: 'ghcr.io' },
      { cache: 'hit', upstream: 'ghcr.io' },
    ]);
    assert.ok(forLayer().every((e) => e.target.repository === 'ghcr.io/org/app'), 'events name the repository as stored');
    const hosted = received().filter((e) => e.target.repository === 'team/own');
    assert.ok(hosted.length > 0 && hosted.every((e) => e.wharf === undefined), 'hosted repositories carry no cache field');

    const everything = [wharf.logs, ...receiver.requests.map((r) => r.body)].join('\n');
    for (const secret of [tokenSecret, basicSecret, Buffer.from(`basicbot:${basicSecret}`).toString('base64'), Buffer.from(`mirror:${tokenSecret}`).toString('base64')]) {
      assert.ok(!everything.includes(secret), 'a credential leaked into the logs or events');
    }
    assert.match(wharf.logs, /pull-through cache on/, 'the debug log was captured');
  });
});
