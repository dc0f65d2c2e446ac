/**
 * Wharf serving TLS itself (http.tls), as registry:2 does: real certificates made with openssl,
 * real clients (curl, Node's TLS stack). HTTP/2 is offered by ALPN unless http.http2.disabled.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectHttp2 } from 'node:http2';
import { connect, type ConnectionOptions, type SecureVersion } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { TestCertificateAuthority, type IssuedCertificate } from '../support/certificates.js';
import { run } from '../support/exec.js';
import { RegistryProcess } from '../support/registry-process.js';

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

interface CurlResult {
  code: number | null;
  body: Buffer;
  /** The response head as received. */
  headers: string;
  stderr: string;
  /** curl's %{http_version} and %{http_code}. */
  httpVersion: string;
  status: number;
}

/** curl against the registry; `args` come before the URL. The body goes through a file, so bytes stay bytes. */
async function curl(url: string, args: string[], input?: Buffer): Promise<CurlResult> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-curl-'));
  try {
    const out = join(dir, 'body');
    const headerFile = join(dir, 'headers');
    const res = await run('curl', ['-sS', '-o', out, '-D', headerFile, '-w', '%{http_version} %{http_code}', ...args, url], {
      allowFailure: true, timeoutMs: 60_000, ...(input ? { input } : {}),
    });
    const [httpVersion = '', status = '0'] = res.stdout.trim().split(' ');
    const body = existsSync(out) ? readFileSync(out) : Buffer.alloc(0);
    const headers = existsSync(headerFile) ? readFileSync(headerFile, 'utf8') : '';
    return { code: res.code, body, headers, stderr: res.stderr, httpVersion, status: Number(status) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A TLS handshake only: what was negotiated, or why it failed (including a post-handshake alert). */
function handshake(port: number, options: ConnectionOptions): Promise<{ protocol: string | null; alpn: string | false | null } | Error> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ...options });
    let settled = false;
    const done = (value: { protocol: string | null; alpn: string | false | null } | Error): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(value);
    };
    socket.once('error', (error) => done(error));
    socket.once('close', () => done(new Error('connection closed by the server')));
    socket.once('secureConnect', () => {
      // TLS 1.3 reports a refused client certificate after the client's handshake is over: ask for
      // something and see whether the connection survives.
      socket.write('GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      socket.once('data', () => done({ protocol: socket.getProtocol(), alpn: socket.alpnProtocol }));
    });
    socket.setTimeout(10_000, () => done(new Error('timed out')));
  });
}

function withCa(ca: IssuedCertificate, client?: IssuedCertificate, version?: { min?: SecureVersion; max?: SecureVersion }): ConnectionOptions {
  return {
    ca: readFileSync(ca.certPath),
    ...(client ? { cert: readFileSync(client.certPath), key: readFileSync(client.keyPath) } : {}),
    ...(version?.min ? { minVersion: version.min } : {}),
    ...(version?.max ? { maxVersion: version.max } : {}),
  };
}

/** A fresh CA, a server certificate for 127.0.0.1 and a registry serving it; `tls` adds http.tls keys. */
async function startTlsRegistry(options: {
  storage: 'filesystem' | 'inmemory';
  tls?: Record<string, unknown>;
  http?: Record<string, unknown>;
  extraConfig?: Record<string, unknown>;
}): Promise<{ ca: TestCertificateAuthority; registry: RegistryProcess; port: number }> {
  const ca = await TestCertificateAuthority.create();
  const server = await ca.server('server', ['127.0.0.1']);
  const registry = await RegistryProcess.start({
    storage: options.storage,
    http: { ...options.http, tls: { certificate: server.certPath, key: server.keyPath, ...options.tls } },
    tlsClient: { caPath: ca.certPath },
    ...(options.extraConfig ? { extraConfig: options.extraConfig } : {}),
  });
  return { ca, registry, port: Number(registry.host.split(':')[1]) };
}

describe('TLS: HTTPS and HTTP/2 with a self-signed CA', { timeout: 120_000 }, () => {
  let ca: TestCertificateAuthority;
  let registry: RegistryProcess;
  let port: number;

  before(async () => {
    ({ ca, registry, port } = await startTlsRegistry({
      storage: 'filesystem',
      extraConfig: { limits: { maxheaderbytes: 4096, bodyidletimeout: '1s' } },
    }));
  });
  after(async () => {
    await registry?.dispose();
    ca?.dispose();
  });

  it('answers GET /v2/ over HTTPS to a client trusting the CA, with HTTP/2 negotiated', async () => {
    const res = await curl(`${registry.url}/v2/`, ['--cacert', ca.certPath, '--http2']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.status, 200);
    assert.equal(res.httpVersion, '2');
    assert.match(res.headers, /docker-distribution-api-version: registry\/2\.0/i);
  });

  it('still serves HTTP/1.1 clients on the same port', async () => {
    const res = await curl(`${registry.url}/v2/`, ['--cacert', ca.certPath, '--http1.1']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual([res.httpVersion, res.status], ['1.1', 200]);
  });

  it('is refused by a client that does not trust the CA (curl exit 60: certificate problem)', async () => {
    const res = await curl(`${registry.url}/v2/`, []);
    assert.equal(res.code, 60, res.stderr);
    assert.match(res.stderr, /certificate/i);
  });

  it('refuses plain HTTP on the TLS port', async () => {
    const res = await curl(`http://${registry.host}/v2/`, ['--max-time', '10']);
    assert.notEqual(res.status, 200);
  });

  it('streams a blob upload (no Content-Length) and its download over HTTP/2, byte for byte', async () => {
    const blob = randomBytes(8 * 1024 * 1024 + 17);
    const digest = sha256(blob);
    const tls = ['--cacert', ca.certPath, '--http2'];
    const start = await curl(`${registry.url}/v2/tls/h2/blobs/uploads/`, [...tls, '-X', 'POST']);
    assert.equal(start.status, 202, start.stderr);
    const location = /^location: (\S+)/im.exec(start.headers)?.[1];
    assert.ok(location?.startsWith(`${registry.url}/v2/tls/h2/blobs/uploads/`), `Location on HTTP/2 names the registry: ${location}`);
    if (location === undefined) return;
    // `-T -` reads stdin: curl sends the body as HTTP/2 DATA frames with no length announced.
    const patch = await curl(location, [...tls, '-X', 'PATCH', '-H', 'Content-Type: application/octet-stream', '-T', '-'], blob);
    assert.deepEqual([patch.httpVersion, patch.status], ['2', 202], patch.stderr);
    assert.match(patch.headers, new RegExp(`^range: 0-${blob.length - 1}\\s*$`, 'im'));
    const next = /^location: (\S+)/im.exec(patch.headers)?.[1] ?? location;
    const put = await curl(`${next}${next.includes('?') ? '&' : '?'}digest=${digest}`, [...tls, '-X', 'PUT']);
    assert.deepEqual([put.httpVersion, put.status], ['2', 201], put.body.toString());
    const pulled = await curl(`${registry.url}/v2/tls/h2/blobs/${digest}`, tls);
    assert.deepEqual([pulled.httpVersion, pulled.status], ['2', 200]);
    assert.equal(pulled.body.length, blob.length);
    assert.equal(sha256(pulled.body), digest);
  });

  it('limits.maxheaderbytes holds on HTTP/2 too: 431 with an OCI error body', async () => {
    const big = await curl(`${registry.url}/v2/`, ['--cacert', ca.certPath, '--http2', '-H', `X-Padding: ${'p'.repeat(6000)}`]);
    assert.deepEqual([big.httpVersion, big.status], ['2', 431], big.stderr);
    assert.deepEqual(JSON.parse(big.body.toString('utf8')).errors.map((e: { code: string }) => e.code), ['SIZE_INVALID']);
  });

  it('limits.bodyidletimeout cuts a stalled HTTP/2 upload stream, and the upload keeps what arrived', async () => {
    const start = await curl(`${registry.url}/v2/tls/stall/blobs/uploads/`, ['--cacert', ca.certPath, '--http2', '-X', 'POST']);
    const location = /^location: (\S+)/im.exec(start.headers)?.[1];
    assert.ok(location, start.headers);
    const session = connectHttp2(registry.url, { ca: readFileSync(ca.certPath) });
    try {
      const path = new URL(location).pathname;
      const stream = session.request({ ':method': 'PATCH', ':path': path, 'content-type': 'application/octet-stream' });
      stream.on('error', () => undefined);
      stream.write(randomBytes(100));
      const started = Date.now();
      const closed = await Promise.race([
        new Promise<number>((resolve) => stream.once('close', () => resolve(Date.now() - started))),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 8_000)),
      ]);
      assert.ok(closed !== undefined, 'a stalled HTTP/2 body must be cut');
      assert.ok(closed >= 900, `cut after ${closed} ms, before the 1s limit`);
    } finally {
      session.close();
    }
    const status = await curl(location, ['--cacert', ca.certPath, '--http2']);
    assert.equal(status.status, 204, status.stderr);
    assert.match(status.headers, /^range: 0-99\s*$/im);
  });

  it('accepts TLS 1.2 by default (minimumtls tls1.2) and refuses TLS 1.1', async () => {
    const tls12 = await handshake(port, withCa(ca, undefined, { max: 'TLSv1.2' }));
    assert.ok(!(tls12 instanceof Error), String(tls12));
    assert.equal(tls12.protocol, 'TLSv1.2');
    const tls11 = await handshake(port, { ...withCa(ca, undefined, { min: 'TLSv1.1', max: 'TLSv1.1' }), ciphers: 'DEFAULT:@SECLEVEL=0' });
    assert.ok(tls11 instanceof Error, 'a TLS 1.1 client must be refused');
  });

  it('offers h2 and http/1.1 by ALPN', async () => {
    const h2 = await handshake(port, { ...withCa(ca), ALPNProtocols: ['h2'] });
    assert.ok(!(h2 instanceof Error), String(h2));
    assert.equal(h2.alpn, 'h2');
  });
});

describe('TLS settings: http2.disabled, minimumtls, ciphersuites', { timeout: 120_000 }, () => {
  let ca: TestCertificateAuthority;
  let registry: RegistryProcess;
  let port: number;

  before(async () => {
    ({ ca, registry, port } = await startTlsRegistry({ storage: 'inmemory', tls: { minimumtls: 'tls1.3' }, http: { http2: { disabled: true } } }));
  });
  after(async () => {
    await registry?.dispose();
    ca?.dispose();
  });

  it('with http2.disabled, a client asking for HTTP/2 gets HTTP/1.1', async () => {
    const res = await curl(`${registry.url}/v2/`, ['--cacert', ca.certPath, '--http2']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual([res.httpVersion, res.status], ['1.1', 200]);
  });

  it('with minimumtls tls1.3, a TLS 1.2 client is refused and a TLS 1.3 one served', async () => {
    const tls12 = await handshake(port, withCa(ca, undefined, { max: 'TLSv1.2' }));
    assert.ok(tls12 instanceof Error, `a TLS 1.2 client must be refused, it negotiated ${JSON.stringify(tls12)}`);
    const curl12 = await curl(`${registry.url}/v2/`, ['--cacert', ca.certPath, '--tlsv1.2', '--tls-max', '1.2']);
    assert.notEqual(curl12.code, 0, 'curl limited to TLS 1.2 must fail');
    const tls13 = await handshake(port, withCa(ca));
    assert.ok(!(tls13 instanceof Error), String(tls13));
    assert.equal(tls13.protocol, 'TLSv1.3');
  });
});

describe('TLS cipher suites (http.tls.ciphersuites, Go names)', { timeout: 120_000 }, () => {
  let ca: TestCertificateAuthority;
  let registry: RegistryProcess;
  let port: number;

  before(async () => {
    ({ ca, registry, port } = await startTlsRegistry({ storage: 'inmemory', tls: { ciphersuites: ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'] } }));
  });
  after(async () => {
    await registry?.dispose();
    ca?.dispose();
  });

  it('a TLS 1.2 client gets the configured suite and is refused when it offers only others', async () => {
    const socket = connect({ host: '127.0.0.1', port, ...withCa(ca, undefined, { max: 'TLSv1.2' }) });
    const cipher = await new Promise<string>((resolve, reject) => {
      socket.once('secureConnect', () => resolve(socket.getCipher().standardName));
      socket.once('error', reject);
    });
    socket.destroy();
    assert.equal(cipher, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384');
    const other = await handshake(port, { ...withCa(ca, undefined, { max: 'TLSv1.2' }), ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
    assert.ok(other instanceof Error, 'a client without the configured suite must be refused');
  });
});

describe('mutual TLS (http.tls.clientcas)', { timeout: 120_000 }, () => {
  let ca: TestCertificateAuthority;
  let stranger: TestCertificateAuthority;
  let client: IssuedCertificate;
  let foreignClient: IssuedCertificate;
  let strict: RegistryProcess;
  let lenient: RegistryProcess;

  before(async () => {
    ca = await TestCertificateAuthority.create('wharf');
    stranger = await TestCertificateAuthority.create('stranger');
    const server = await ca.server('server', ['127.0.0.1']);
    client = await ca.client('ci-robot');
    foreignClient = await stranger.client('intruder');
    const tls = { certificate: server.certPath, key: server.keyPath, clientcas: [ca.certPath] };
    strict = await RegistryProcess.start({
      storage: 'inmemory',
      http: { tls },
      tlsClient: { caPath: ca.certPath, certPath: client.certPath, keyPath: client.keyPath },
    });
    lenient = await RegistryProcess.start({
      storage: 'inmemory',
      http: { tls: { ...tls, clientauth: 'verify-client-cert-if-given' } },
      tlsClient: { caPath: ca.certPath },
    });
  });
  after(async () => {
    await strict?.dispose();
    await lenient?.dispose();
    ca?.dispose();
    stranger?.dispose();
  });

  const get = (registry: RegistryProcess, cert?: IssuedCertificate): Promise<CurlResult> =>
    curl(`${registry.url}/v2/`, ['--cacert', ca.certPath, ...(cert ? ['--cert', cert.certPath, '--key', cert.keyPath] : [])]);

  it('default clientauth (require-and-verify-client-cert): no client certificate → refused', async () => {
    const res = await get(strict);
    assert.notEqual(res.code, 0, `expected a TLS failure, got HTTP ${res.status}`);
    assert.equal(res.status, 0);
  });

  it('default clientauth: a certificate signed by the client CA → 200', async () => {
    const res = await get(strict, client);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.status, 200);
  });

  it('default clientauth: a certificate from another CA → refused', async () => {
    const res = await get(strict, foreignClient);
    assert.notEqual(res.code, 0, `expected a TLS failure, got HTTP ${res.status}`);
    assert.equal(res.status, 0);
  });

  it('verify-client-cert-if-given: no certificate → 200, a CA-signed one → 200, a foreign one → refused', async () => {
    assert.equal((await get(lenient)).status, 200);
    assert.equal((await get(lenient, client)).status, 200);
    const foreign = await get(lenient, foreignClient);
    assert.equal(foreign.status, 0, 'a certificate the client CAs do not sign must not get an answer');
  });
});

describe('TLS start-up errors', { timeout: 60_000 }, () => {
  let ca: TestCertificateAuthority;
  let server: IssuedCertificate;
  let other: IssuedCertificate;

  before(async () => {
    ca = await TestCertificateAuthority.create();
    server = await ca.server('server', ['127.0.0.1']);
    other = await ca.server('other', ['127.0.0.1']);
  });
  after(() => ca?.dispose());

  const cases = [
    {
      name: 'an unreadable certificate file',
      tls: () => ({ certificate: `${ca.dir}/missing.crt`, key: server.keyPath }),
      error: /configuration error: http\.tls\.certificate: cannot read .*missing\.crt \(ENOENT\)/,
    },
    {
      name: 'an unreadable client CA file',
      tls: () => ({ certificate: server.certPath, key: server.keyPath, clientcas: [`${ca.dir}/nope.pem`] }),
      error: /configuration error: http\.tls\.clientcas\[0\]: cannot read .*nope\.pem \(ENOENT\)/,
    },
    {
      name: 'a key that belongs to another certificate',
      tls: () => ({ certificate: server.certPath, key: other.keyPath }),
      error: /configuration error: http\.tls: the certificate, key or client CAs cannot be used: .*key values mismatch/,
    },
    {
      name: "Let's Encrypt beside certificate files",
      tls: () => ({ certificate: server.certPath, key: server.keyPath, letsencrypt: { cachefile: '/tmp/le', email: 'ops@example.com' } }),
      error: /http\.tls\.letsencrypt: set either http\.tls\.certificate or Let's Encrypt, not both/,
    },
  ];
  for (const testCase of cases) {
    it(`refuses to start with ${testCase.name}, naming the key`, async () => {
      await assert.rejects(
        RegistryProcess.start({ storage: 'inmemory', http: { tls: testCase.tls() }, tlsClient: { caPath: ca.certPath }, readyTimeoutMs: 15_000 }),
        (error: Error) => {
          assert.match(error.message, /exited with 1/);
          assert.match(error.message, testCase.error);
          return true;
        },
      );
    });
  }
});
