import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch as undiciFetch } from 'undici';
import { TestCertificateAuthority } from '../support/certificates.js';
import { docker, dockerPush, dockerRemoveImage, dockerRunOutput, ensureDocker } from '../support/docker-cli.js';
import { tail } from '../support/exec.js';
import { freePort } from '../support/free-port.js';
import { buildImage, uniqueName } from '../support/images.js';
import { RegistryProcess } from '../support/registry-process.js';
import { repoRoot, systemTool } from '../support/tools.js';

/*
 * deploy/nginx/wharf.conf as shipped, with only its addresses and paths filled in, run by the real
 * nginx in front of two Wharf replicas on one filesystem storage root (loopback only). Docker pushes
 * and pulls through it; then one replica is SIGKILLed and traffic goes on through the other.
 */

const SHIPPED = join(repoRoot, 'deploy', 'nginx');

class Nginx {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(readonly dir: string) {}

  async start(httpPort: number): Promise<void> {
    const child = spawn(systemTool('nginx'), ['-p', this.dir, '-e', join(this.dir, 'error.log'), '-c', join(this.dir, 'nginx.conf')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (b: Buffer) => (this.output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (this.output += b.toString()));
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) break;
      const up = await fetch(`http://127.0.0.1:${httpPort}/v2/`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status === 200, () => false);
      if (up) return;
      await sleep(100);
    }
    throw new Error(`nginx did not answer on ${httpPort}: ${tail(this.output)}\n${tail(this.errorLog())}`);
  }

  errorLog(): string {
    try {
      return readFileSync(join(this.dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGQUIT'); // graceful: workers finish their requests
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}

describe('nginx (deploy/nginx) in front of two Wharf replicas', () => {
  const replicas: RegistryProcess[] = [];
  const images: string[] = [];
  let storageRoot = '';
  let nginx: Nginx;
  let ca: TestCertificateAuthority;
  let front = '';
  let tlsFront = '';

  before(async () => {
    await ensureDocker();
    storageRoot = mkdtempSync(join(tmpdir(), 'wharf-nginx-storage-'));
    const shared = {
      // uploads started on one replica continue on the other
      http: { secret: 'nginx-test-shared-secret', trustedproxies: ['loopback'], draintimeout: '5s' },
    };
    for (let i = 0; i < 2; i++) {
      replicas.push(
        await RegistryProcess.start({
          kind: 'wharf',
          storage: 'filesystem',
          storageRoot,
          http: shared.http,
          extraConfig: { log: { level: 'info' } },
        }),
      );
    }

    ca = await TestCertificateAuthority.create('nginx-front');
    const server = await ca.server('front', ['127.0.0.1']);
    const [httpPort, tlsPort] = [await freePort(), await freePort()];
    front = `127.0.0.1:${httpPort}`;
    tlsFront = `127.0.0.1:${tlsPort}`;

    const dir = mkdtempSync(join(tmpdir(), 'wharf-nginx-'));
    chmodSync(dir, 0o755); // nginx's workers run as nobody
    for (const sub of ['body', 'proxy']) mkdirSync(join(dir, sub));
    const proxyConf = readFileSync(join(SHIPPED, 'wharf-proxy.conf'), 'utf8');
    const siteConf = readFileSync(join(SHIPPED, 'wharf.conf'), 'utf8')
      .replace('server registry-1:5000 ', `server ${replicas[0]!.host} `)
      .replace('server registry-2:5000 ', `server ${replicas[1]!.host} `)
      .replace('listen 80;', `listen ${front};`)
      .replace('listen 443 ssl;', `listen ${tlsFront} ssl;`)
      .replace('/etc/nginx/tls/registry.crt', server.certPath)
      .replace('/etc/nginx/tls/registry.key', server.keyPath)
      .replaceAll('/etc/nginx/wharf-proxy.conf', join(dir, 'wharf-proxy.conf'));
    const directives = siteConf.split('\n').filter((line) => !line.trim().startsWith('#')).join('\n');
    assert.doesNotMatch(directives, /registry-\d:5000|listen 80;|listen 443|\/etc\/nginx\//, 'every address and path of the shipped file was filled in');
    writeFileSync(join(dir, 'wharf-proxy.conf'), proxyConf);
    writeFileSync(join(dir, 'wharf.conf'), siteConf);
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        'daemon off;',
        'worker_processes 1;',
        `pid ${join(dir, 'nginx.pid')};`,
        'events { worker_connections 512; }',
        'http {',
        `  access_log ${join(dir, 'access.log')};`,
        `  client_body_temp_path ${join(dir, 'body')};`,
        `  proxy_temp_path ${join(dir, 'proxy')};`,
        `  include ${join(dir, 'wharf.conf')};`,
        '}',
        '',
      ].join('\n'),
    );
    chmodSync(server.keyPath, 0o600);
    nginx = new Nginx(dir);
    await nginx.start(httpPort);
  });

  after(async () => {
    for (const ref of images) await dockerRemoveImage(ref);
    await nginx?.stop();
    if (nginx) rmSync(nginx.dir, { recursive: true, force: true });
    for (const replica of replicas) await replica.dispose();
    if (storageRoot) rmSync(storageRoot, { recursive: true, force: true });
    ca?.dispose();
  });

  async function pushThroughFront(repo: string, message: string): Promise<{ remote: string; digest: string }> {
    const local = await buildImage(`wharf-local/${uniqueName(repo)}:v1`, message);
    const remote = `${front}/${repo}:v1`;
    images.push(local.id, remote);
    await docker(['tag', local.ref, remote]);
    const digest = await dockerPush(remote);
    await dockerRemoveImage(local.id);
    return { remote, digest };
  }

  test('docker pushes through nginx, the requests spread over both replicas, and upload URLs point back at nginx', async () => {
    const repo = uniqueName('nginx/spread');
    const { remote, digest } = await pushThroughFront(repo, 'spread over two replicas');
    for (const [i, replica] of replicas.entries()) {
      assert.ok(replica.logs.includes(`/v2/${repo}/`), `replica ${i + 1} served none of the push's requests:\n${tail(replica.logs, 1_500)}`);
    }
    const pull = await docker(['pull', remote]);
    assert.match(pull.stdout, new RegExp(`Digest: ${digest}`));

    const started = await fetch(`http://${front}/v2/${repo}/blobs/uploads/`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    assert.equal(started.status, 202);
    const location = started.headers.get('location') ?? '';
    assert.ok(location.startsWith(`http://${front}/v2/${repo}/blobs/uploads/`), `the upload URL must lead back through nginx: ${location}`);
  });

  test('TLS ends at nginx: HTTPS clients get https upload URLs on the front address', async () => {
    const dispatcher = new Agent({ connect: { ca: readFileSync(ca.certPath) } });
    try {
      const ping = await undiciFetch(`https://${tlsFront}/v2/`, { dispatcher });
      assert.equal(ping.status, 200);
      assert.equal(ping.headers.get('docker-distribution-api-version'), 'registry/2.0');
      const started = await undiciFetch(`https://${tlsFront}/v2/nginx/tls/blobs/uploads/`, { method: 'POST', dispatcher });
      assert.equal(started.status, 202);
      const location = started.headers.get('location') ?? '';
      assert.ok(location.startsWith(`https://${tlsFront}/v2/nginx/tls/blobs/uploads/`), `X-Forwarded-Proto must make the upload URL https: ${location}`);
    } finally {
      await dispatcher.close();
    }
  });

  test('one replica is killed: pulls, runs and new pushes go on through the other', async () => {
    const before = await pushThroughFront(uniqueName('nginx/before-kill'), 'pushed with two replicas');
    await replicas[0]!.kill();

    // every request lands: nginx takes the refused connection as a failure and asks the survivor
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`http://${front}/v2/`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.status)),
    );
    assert.deepEqual([...new Set(statuses)], [200], `statuses through nginx after the kill: ${statuses.join(',')}`);

    const pull = await docker(['pull', before.remote]);
    assert.match(pull.stdout, new RegExp(`Digest: ${before.digest}`));
    assert.equal(await dockerRunOutput(before.remote), 'pushed with two replicas\n');

    const after = await pushThroughFront(uniqueName('nginx/after-kill'), 'pushed with one replica');
    await dockerRemoveImage(after.remote);
    await docker(['pull', after.remote]);
    assert.equal(await dockerRunOutput(after.remote), 'pushed with one replica\n');
    assert.match(nginx.errorLog(), /connect\(\) failed \(111: Connection refused\) while connecting to upstream/);
  });
});
