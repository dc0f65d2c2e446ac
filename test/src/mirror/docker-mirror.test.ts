import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Scratch, tokenAuthSections, tokenKeyPair, tokenServerSection, writeHtpasswd } from '../auth/auth-fixtures.js';
import { docker, dockerRemoveImage, ensureDocker } from '../support/docker-cli.js';
import { freePort } from '../support/free-port.js';
import { importImage, uniqueName } from '../support/images.js';
import { PrivateDockerd } from '../support/private-dockerd.js';
import { RegistryProcess } from '../support/registry-process.js';
import { UpstreamTap } from './upstream-tap.js';

/*
 * Real clients through Wharf's pull-through cache: a second, private Docker engine started with
 * `--registry-mirror` pointing at Wharf pulls and runs images whose only source is a local
 * docker-registry (one behind token auth, one behind HTTP Basic), and that engine's containerd
 * (`ctr` with hosts.toml) pulls from both upstreams through one Wharf by `?ns=`.
 */
describe('Docker and containerd through the pull-through cache', () => {
  const scratch = new Scratch();
  const pair = tokenKeyPair(scratch);
  const htpasswd = scratch.path('htpasswd');
  const started: RegistryProcess[] = [];
  const sharedImages: string[] = [];
  const tokenRepo = `library/${uniqueName('via-token')}`;
  const basicRepo = `library/${uniqueName('via-basic')}`;
  let basicUpstream: RegistryProcess;
  let basicSeed: RegistryProcess;
  let tokenWharf: RegistryProcess;
  let basicWharf: RegistryProcess;
  let mirrorsWharf: RegistryProcess;
  let front: UpstreamTap;
  let engine: PrivateDockerd;

  const start = async (opts: Parameters<typeof RegistryProcess.start>[0]) => {
    const registry = await RegistryProcess.start(opts);
    started.push(registry);
    return registry;
  };

  /** Builds an image on the shared engine and pushes it to an (open) upstream registry. */
  const seed = async (registry: RegistryProcess, repo: string, message: string): Promise<void> => {
    const image = await importImage(`${registry.host}/${repo}:v1`, message);
    sharedImages.push(image.ref);
    await docker(['push', image.ref]);
  };

  /** Pulls `repo:v1` (a Docker Hub name) into the private engine afresh and runs it. */
  const pullAndRun = async (repo: string): Promise<string> => {
    await engine.docker(['rmi', '-f', `${repo}:v1`], { allowFailure: true });
    const pulled = await engine.docker(['pull', `${repo}:v1`], { allowFailure: true });
    assert.equal(pulled.code, 0, `docker pull ${repo}:v1 through the mirror:\n${pulled.stderr}\n--- wharf ---\n${started.map((r) => r.logs).join('\n').slice(-4000)}`);
    return (await engine.docker(['run', '--rm', '--network', 'none', `${repo}:v1`])).stdout.trim();
  };

  before(async () => {
    await ensureDocker();
    writeHtpasswd(htpasswd, { mirror: 'mirror-pw' });
    const issuer = await start({ kind: 'wharf', extraConfig: (host) => ({ ...tokenAuthSections(host, pair), ...tokenServerSection(pair, htpasswd) }) });
    const tokenUpstream = await start({ kind: 'reference', extraConfig: tokenAuthSections(issuer.host, pair) });
    basicUpstream = await start({ kind: 'reference', extraConfig: { auth: { htpasswd: { realm: 'basic-upstream', path: htpasswd } } } });
    // Content reaches the upstreams through open docker-registry processes on their storage.
    await seed(await start({ kind: 'reference', storageRoot: tokenUpstream.storageRoot! }), tokenRepo, 'pulled through the cache from a token upstream');
    basicSeed = await start({ kind: 'reference', storageRoot: basicUpstream.storageRoot! });
    await seed(basicSeed, basicRepo, 'pulled through the cache from a Basic upstream');

    const credentials = { username: 'mirror', password: 'mirror-pw' };
    tokenWharf = await start({ kind: 'wharf', extraConfig: { proxy: { remoteurl: tokenUpstream.url, ...credentials } } });
    basicWharf = await start({ kind: 'wharf', extraConfig: { proxy: { remoteurl: basicUpstream.url, ...credentials } } });
    mirrorsWharf = await start({
      kind: 'wharf',
      extraConfig: {
        mirrors: [
          { host: 'quay.io', remoteurl: tokenUpstream.url, ...credentials },
          { host: 'ghcr.io', remoteurl: basicUpstream.url, ...credentials },
        ],
      },
    });
    // The engine's one mirror address; the test points it at the token or the Basic cache.
    front = await UpstreamTap.start(tokenWharf.url);
    engine = await PrivateDockerd.start([`--registry-mirror=${front.url}`]);
  });

  after(async () => {
    await engine?.dispose();
    await front?.close();
    for (const registry of started.reverse()) await registry.dispose();
    for (const ref of sharedImages) await dockerRemoveImage(ref);
    scratch.cleanup();
  });

  test('docker --registry-mirror pulls and runs an image from a token-auth upstream', async () => {
    front.target = new URL(tokenWharf.url);
    assert.equal(await pullAndRun(tokenRepo), 'pulled through the cache from a token upstream');
  });

  test('and from a Basic-auth upstream; with the upstream stopped the cached image still pulls; a moved tag is seen', async () => {
    front.target = new URL(basicWharf.url);
    assert.equal(await pullAndRun(basicRepo), 'pulled through the cache from a Basic upstream');

    await basicUpstream.stop();
    assert.equal(await pullAndRun(basicRepo), 'pulled through the cache from a Basic upstream', 'served from the cache');

    await basicUpstream.restart();
    await seed(basicSeed, basicRepo, 'the tag moved upstream');
    assert.equal(await pullAndRun(basicRepo), 'the tag moved upstream');
  });

  test('ctr with hosts.toml pulls from two upstreams through one Wharf by ?ns=', async () => {
    const hostsDir = scratch.path('certs.d');
    // The fallback server is a closed loopback port: nothing may leave the machine if the mirror fails.
    const closed = await freePort();
    for (const host of ['ghcr.io', 'quay.io']) {
      mkdirSync(join(hostsDir, host), { recursive: true });
      writeFileSync(
        join(hostsDir, host, 'hosts.toml'),
        `server = "http://127.0.0.1:${closed}"\n\n[host."${mirrorsWharf.url}"]\n  capabilities = ["pull", "resolve"]\n`,
      );
    }
    for (const ref of [`ghcr.io/${basicRepo}:v1`, `quay.io/${tokenRepo}:v1`]) {
      const pulled = await engine.ctr(['-n', 'wharf-mirror-test', 'images', 'pull', '--hosts-dir', hostsDir, ref], { allowFailure: true });
      assert.equal(pulled.code, 0, `ctr pull ${ref}:\n${pulled.stderr}\n${pulled.stdout.slice(-2000)}\n--- wharf ---\n${mirrorsWharf.logs.slice(-3000)}`);
    }
    const listed = (await engine.ctr(['-n', 'wharf-mirror-test', 'images', 'ls', '-q'])).stdout;
    assert.match(listed, new RegExp(`ghcr\\.io/${basicRepo}:v1`));
    assert.match(listed, new RegExp(`quay\\.io/${tokenRepo}:v1`));
    const catalog = (await (await fetch(`${mirrorsWharf.url}/v2/_catalog`)).json()) as { repositories: string[] };
    assert.ok(catalog.repositories.includes(`ghcr.io/${basicRepo}`) && catalog.repositories.includes(`quay.io/${tokenRepo}`), catalog.repositories.join(', '));
  });
});
