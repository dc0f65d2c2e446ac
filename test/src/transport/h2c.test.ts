import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect, type ClientHttp2Session } from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { send } from '../protocol/oci-http.js';
import { RegistryProcess } from '../support/registry-process.js';

/** One HTTP/2 request with prior knowledge; status, headers and body. */
function h2(session: ClientHttp2Session, method: string, path: string, body?: Buffer): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': method, ':path': path, ...(body === undefined ? {} : { 'content-type': 'application/octet-stream', 'content-length': body.length }) });
    const chunks: Buffer[] = [];
    let headers: Record<string, unknown> = {};
    stream.on('response', (h) => (headers = h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    stream.end(body);
  });
}

describe('http.h2c.enabled: HTTP/1.1 and cleartext HTTP/2 on one port', { timeout: 60_000 }, () => {
  let registry: RegistryProcess;
  let session: ClientHttp2Session;

  before(async () => {
    registry = await RegistryProcess.start({
      kind: 'wharf',
      storage: 'inmemory',
      http: { h2c: { enabled: true } },
      extraConfig: { log: { level: 'info', formatter: 'json' } },
    });
    session = connect(registry.url);
  });

  after(async () => {
    session?.close();
    await registry?.dispose();
  });

  it('an HTTP/1.1 client is answered as before', async () => {
    const response = await send(registry.url, 'GET', '/v2/');
    assert.equal(response.status, 200);
    assert.equal(response.headers['docker-distribution-api-version'], 'registry/2.0');
  });

  it('an HTTP/2 client with prior knowledge gets /v2/ and pushes a blob through it', async () => {
    const base = await h2(session, 'GET', '/v2/');
    assert.equal(base.status, 200);
    assert.equal(base.headers['docker-distribution-api-version'], 'registry/2.0');

    const blob = randomBytes(256 * 1024);
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const started = await h2(session, 'POST', '/v2/h2c/app/blobs/uploads/', Buffer.alloc(0));
    assert.equal(started.status, 202, started.body.toString());
    const location = new URL(String(started.headers['location']), registry.url);
    location.searchParams.set('digest', digest);
    const put = await h2(session, 'PUT', `${location.pathname}${location.search}`, blob);
    assert.equal(put.status, 201, put.body.toString());
    const get = await h2(session, 'GET', `/v2/h2c/app/blobs/${digest}`);
    assert.equal(get.status, 200);
    assert.ok(get.body.equals(blob), 'the blob comes back over HTTP/2 as it was pushed');
  });

  it('requests over HTTP/2 carry the client address like HTTP/1.1 ones (access log)', async () => {
    const accessLines = () => registry.logs.split('\n').filter((line) => line.includes('"response completed"') && line.includes('/v2/h2c/app/blobs/sha256'));
    for (let i = 0; i < 50 && accessLines().length === 0; i++) await sleep(100);
    const lines = accessLines();
    assert.ok(lines.length > 0, registry.logs.slice(-2_000));
    assert.ok(lines.every((line) => line.includes('"http.request.remoteaddr":"127.0.0.1"')), lines.join('\n'));
  });
});
