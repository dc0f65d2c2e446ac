import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { sha256Digest, type BlobContent } from './blob-data.js';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type ResponseData = Dispatcher.ResponseData;

/** A request that got an unexpected status, a missing header or wrong bytes: the run is invalid. */
export class BenchRequestError extends Error {
  override readonly name = 'BenchRequestError';
}

export interface Manifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

/**
 * The Distribution API as the benchmark uses it, over one keep-alive connection pool. Every call checks the
 * status code, and every write checks the digest the server reports: a benchmark that measures errors is
 * worthless. Timed paths avoid work the server does not cause (no hashing of pulled bytes unless asked).
 */
export class RegistryClient {
  private readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    connections = 32,
  ) {
    this.agent = new Agent({
      connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  async ping(): Promise<void> {
    const res = await this.call('GET', '/v2/', [200]);
    await res.body.dump();
  }

  /** POST a new upload session; returns its absolute Location. */
  async startUpload(repo: string): Promise<URL> {
    const res = await this.call('POST', `/v2/${repo}/blobs/uploads/`, [202], {
      headers: { 'content-length': '0' },
    });
    await res.body.dump();
    return this.location(res, 'POST upload');
  }

  /** Monolithic push: POST, then PUT `?digest=` with the whole body streamed. */
  async pushBlob(repo: string, blob: BlobContent): Promise<void> {
    const digest = blob.digest();
    const upload = await this.startUpload(repo);
    upload.searchParams.set('digest', digest);
    const res = await this.call('PUT', upload, [201], {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
      body: blob.size <= 1 << 20 ? Buffer.concat([...blob.range()]) : Readable.from(blob.range()),
    });
    await res.body.dump();
    this.expectDigestHeader(res, digest, `PUT blob ${digest}`);
  }

  /** Chunked push: POST, PATCHes of `chunkSize` with Content-Range, then PUT `?digest=` with no body. */
  async pushBlobChunked(repo: string, blob: BlobContent, chunkSize: number): Promise<void> {
    const digest = blob.digest();
    let upload = await this.startUpload(repo);
    for (let start = 0; start < blob.size; start += chunkSize) {
      const end = Math.min(blob.size, start + chunkSize);
      const res = await this.call('PATCH', upload, [202], {
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(end - start),
          'content-range': `${start}-${end - 1}`,
        },
        body: Readable.from(blob.range(start, end)),
      });
      await res.body.dump();
      const range = header(res, 'range');
      if (range !== `0-${end - 1}`) {
        throw new BenchRequestError(`PATCH ${start}-${end - 1}: Range is ${range ?? 'missing'}, want 0-${end - 1}`);
      }
      upload = this.location(res, 'PATCH upload');
    }
    upload.searchParams.set('digest', digest);
    const res = await this.call('PUT', upload, [201], { headers: { 'content-length': '0' } });
    await res.body.dump();
    this.expectDigestHeader(res, digest, `PUT chunked blob ${digest}`);
  }

  /** HEAD a blob: true on 200 (with the expected length when given), false on 404. */
  async blobExists(repo: string, digest: string, size?: number): Promise<boolean> {
    const res = await this.call('HEAD', `/v2/${repo}/blobs/${digest}`, [200, 404]);
    await res.body.dump();
    if (res.statusCode === 404) return false;
    if (size !== undefined && header(res, 'content-length') !== String(size)) {
      throw new BenchRequestError(`HEAD blob ${digest}: length ${header(res, 'content-length')}, want ${size}`);
    }
    return true;
  }

  /**
   * GET a blob and count its bytes (must equal `size`); with `verify` also hash them and compare the digest.
   * Uses undici's raw dispatch API: the body is counted as it arrives, with no stream in between, so the client
   * can take bytes as fast as curl does and the figure is the server's.
   */
  async pullBlob(repo: string, digest: string, size: number, verify = false): Promise<number> {
    const url = new URL(`/v2/${repo}/blobs/${digest}`, this.baseUrl);
    const hash = verify ? createHash('sha256') : undefined;
    const { status, received, errorBody } = await new Promise<{ status: number; received: number; errorBody: string }>(
      (resolve, reject) => {
        let status = 0;
        let received = 0;
        const errorChunks: Buffer[] = [];
        this.agent.dispatch(
          { origin: url.origin, path: url.pathname, method: 'GET' },
          {
            // The classic handler shape: this undici's Agent still validates dispatch handlers against it.
            onConnect: () => {},
            onHeaders: (statusCode) => {
              status = statusCode;
              return true;
            },
            onData: (chunk) => {
              if (status !== 200) {
                errorChunks.push(chunk);
                return true;
              }
              received += chunk.length;
              hash?.update(chunk);
              return true;
            },
            onComplete: () =>
              resolve({ status, received, errorBody: Buffer.concat(errorChunks).toString('utf8').slice(0, 500) }),
            onError: (error) => reject(new BenchRequestError(`GET ${url.pathname}: ${error.message}`, { cause: error })),
          },
        );
      },
    );
    if (status !== 200) throw new BenchRequestError(`GET ${url.pathname}: status ${status} ${errorBody}`);
    if (received !== size) throw new BenchRequestError(`GET blob ${digest}: ${received} bytes, want ${size}`);
    if (hash !== undefined) {
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== digest) throw new BenchRequestError(`GET blob ${digest}: content hashes to ${got}`);
    }
    return received;
  }

  /** PUT a manifest by tag or digest; checks 201 and the reported digest. Returns the digest. */
  async putManifest(repo: string, reference: string, mediaType: string, bytes: Buffer): Promise<string> {
    const digest = sha256Digest(bytes);
    const res = await this.call('PUT', `/v2/${repo}/manifests/${reference}`, [201], {
      headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
      body: bytes,
    });
    await res.body.dump();
    this.expectDigestHeader(res, digest, `PUT manifest ${repo}:${reference}`);
    return digest;
  }

  /** GET a manifest; checks that the bytes hash to the reported digest and are served as stored. */
  async getManifest(repo: string, reference: string, accept: string): Promise<Manifest> {
    const res = await this.call('GET', `/v2/${repo}/manifests/${reference}`, [200], { headers: { accept } });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const digest = sha256Digest(bytes);
    this.expectDigestHeader(res, digest, `GET manifest ${repo}:${reference}`);
    return { digest, mediaType: header(res, 'content-type') ?? '', bytes };
  }

  /** GET any API path expecting 200; returns the body. */
  async get(path: string, headers: Record<string, string> = {}): Promise<Buffer> {
    const res = await this.call('GET', path, [200], { headers });
    return Buffer.from(await res.body.arrayBuffer());
  }

  /** HEAD a manifest: 200 with the length and digest of the stored bytes. */
  async headManifest(repo: string, reference: string, accept: string, expected: Manifest): Promise<void> {
    const res = await this.call('HEAD', `/v2/${repo}/manifests/${reference}`, [200], { headers: { accept } });
    await res.body.dump();
    this.expectDigestHeader(res, expected.digest, `HEAD manifest ${repo}:${reference}`);
    if (header(res, 'content-length') !== String(expected.bytes.length)) {
      throw new BenchRequestError(
        `HEAD manifest ${repo}:${reference}: length ${header(res, 'content-length')}, want ${expected.bytes.length}`,
      );
    }
  }

  async listTags(repo: string): Promise<string[]> {
    const res = await this.call('GET', `/v2/${repo}/tags/list`, [200]);
    const body = (await res.body.json()) as { name?: unknown; tags?: unknown };
    if (body.name !== repo || !Array.isArray(body.tags)) {
      throw new BenchRequestError(`GET tags/list ${repo}: unexpected body ${JSON.stringify(body).slice(0, 200)}`);
    }
    return body.tags as string[];
  }

  private async call(
    method: Method,
    target: string | URL,
    expected: readonly number[],
    options: { headers?: Record<string, string>; body?: Buffer | Readable } = {},
  ): Promise<ResponseData> {
    const url = typeof target === 'string' ? new URL(target, this.baseUrl) : target;
    let res: ResponseData;
    try {
      res = await request(url, {
        method,
        dispatcher: this.agent,
        headers: options.headers,
        body: options.body,
      });
    } catch (error) {
      throw new BenchRequestError(`${method} ${url.pathname}: ${(error as Error).message}`, { cause: error });
    }
    if (!expected.includes(res.statusCode)) {
      const text = method === 'HEAD' ? '' : (await res.body.text()).slice(0, 500);
      throw new BenchRequestError(`${method} ${url.pathname}${url.search}: status ${res.statusCode} ${text}`);
    }
    return res;
  }

  private location(res: ResponseData, what: string): URL {
    const location = header(res, 'location');
    if (location === undefined) throw new BenchRequestError(`${what}: no Location header`);
    return new URL(location, this.baseUrl);
  }

  /** Docker-Content-Digest is optional in the OCI spec; when a server sends it, it must be right. */
  private expectDigestHeader(res: ResponseData, digest: string, what: string): void {
    const reported = header(res, 'docker-content-digest');
    if (reported !== undefined && reported !== digest) {
      throw new BenchRequestError(`${what}: server reports ${reported}, want ${digest}`);
    }
  }
}

function header(res: ResponseData, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
