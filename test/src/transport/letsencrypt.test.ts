import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/free-port.js';
import { RegistryProcess } from '../support/registry-process.js';
import { goTool, repoRoot } from '../support/tools.js';
import { waitFor } from '../pipeline/queue-redis.js';

/*
 * http.tls.letsencrypt against Let's Encrypt's own test CA (pebble) on loopback, with real
 * validation: pebble's validation authority connects back to the registry's TLS port for the
 * tls-alpn-01 challenge, as Let's Encrypt would on port 443.
 */

const PEBBLE_CERTS = join(repoRoot, '.tools', 'pebble');

function httpsText(url: string, ca: Buffer): Promise<{ status: number; body: string; cert: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { ca, timeout: 30_000, agent: false }, (res) => {
      const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cert }));
    });
    req.once('timeout', () => req.destroy(new Error(`${url}: no answer`)));
    req.once('error', reject);
  });
}

function handshake(port: number, servername: string, ca: Buffer): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca, ALPNProtocols: ['http/1.1'] }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.once('error', reject);
  });
}

describe("http.tls.letsencrypt: certificates from an ACME CA (pebble)", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-acme-'));
  const cacheFile = join(dir, 'acme', 'cache.json');
  let pebble: ChildProcess | undefined;
  let pebbleOutput = '';
  let registry: RegistryProcess;
  let port: number;
  let root: Buffer;
  const previousExtraCa = process.env['NODE_EXTRA_CA_CERTS'];

  before(async () => {
    const minica = readFileSync(join(PEBBLE_CERTS, 'pebble.minica.pem'));
    const [acmePort, managementPort] = [await freePort(), await freePort()];
    port = await freePort();
    const config = join(dir, 'pebble.json');
    writeFileSync(
      config,
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${acmePort}`,
          managementListenAddress: `127.0.0.1:${managementPort}`,
          certificate: join(PEBBLE_CERTS, 'cert.pem'),
          privateKey: join(PEBBLE_CERTS, 'key.pem'),
          httpPort: await freePort(),
          tlsPort: port,
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
        },
      }),
    );
    pebble = spawn(goTool('pebble'), ['-config', config], {
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pebble.stdout?.on('data', (b: Buffer) => (pebbleOutput += b.toString()));
    pebble.stderr?.on('data', (b: Buffer) => (pebbleOutput += b.toString()));
    await waitFor(
      async () => (await httpsText(`https://localhost:${managementPort}/roots/0`, minica).catch(() => undefined))?.status === 200,
      30_000,
      () => `pebble did not start:\n${pebbleOutput}`,
    );
    root = Buffer.from((await httpsText(`https://localhost:${managementPort}/roots/0`, minica)).body);
    const rootFile = join(dir, 'pebble-root.pem');
    writeFileSync(rootFile, root);

    // Wharf trusts the ACME server's own HTTPS certificate the way any Node program is told to.
    process.env['NODE_EXTRA_CA_CERTS'] = join(PEBBLE_CERTS, 'pebble.minica.pem');
    registry = await RegistryProcess.start({
      kind: 'wharf',
      storage: 'inmemory',
      http: {
        addr: `127.0.0.1:${port}`,
        tls: { letsencrypt: { cachefile: cacheFile, email: 'registry@example.com', hosts: ['localhost'], directoryurl: `https://localhost:${acmePort}/dir` } },
      },
      extraConfig: { log: { level: 'info' } },
      readyUrl: `https://localhost:${port}/v2/`,
      tlsClient: { caPath: rootFile },
      readyTimeoutMs: 90_000,
    });
  });

  after(async () => {
    await registry?.dispose();
    pebble?.kill('SIGKILL');
    if (previousExtraCa === undefined) delete process.env['NODE_EXTRA_CA_CERTS'];
    else process.env['NODE_EXTRA_CA_CERTS'] = previousExtraCa;
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /v2/ with a certificate for the host, issued by the ACME CA after a tls-alpn-01 challenge', async () => {
    const response = await httpsText(`https://localhost:${port}/v2/`, root);
    assert.equal(response.status, 200);
    assert.match(response.cert.subjectaltname ?? '', /DNS:localhost/);
    assert.match(registry.logs, /acme: certificate issued/);
    // Real validation: pebble's VA reached this port and checked the tls-alpn-01 answer.
    assert.match(pebbleOutput, /set VALID by completed challenge/, 'pebble validated the challenge on the registry port');
  });

  it('keeps the account and certificate in the cache file, readable by its owner only', () => {
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as { accountKey: string; accountUrl: string; certificates: Record<string, unknown> };
    assert.match(cache.accountKey, /PRIVATE KEY/);
    assert.ok(cache.accountUrl.startsWith('https://localhost:'));
    assert.deepEqual(Object.keys(cache.certificates), ['localhost']);
    assert.equal(statSync(cacheFile).mode & 0o077, 0);
  });

  it('after a restart the cached certificate is served without asking the CA again', async () => {
    const before = (await handshake(port, 'localhost', root)).serialNumber;
    await registry.restart();
    const afterRestart = (await handshake(port, 'localhost', root)).serialNumber;
    assert.equal(afterRestart, before);
    assert.doesNotMatch(registry.logs, /acme: requesting a certificate/);
  });

  it('a name outside http.tls.letsencrypt.hosts gets no certificate', async () => {
    await assert.rejects(handshake(port, 'not-mine.example', root));
  });
});
