import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { MediaTypes, parseDigest, UpstreamError, type Digest, type Upstream } from '@wharf/registry-core';
import { UpstreamAuth } from './upstream-auth.js';

/** Every manifest kind Wharf stores, so the upstream answers with what it has rather than converting. */
const MANIFEST_ACCEPT = [
  MediaTypes.OciIndex,
  MediaTypes.DockerManifestList,
  MediaTypes.OciManifest,
  MediaTypes.DockerManifest,
  MediaTypes.DockerSchema1Signed,
  MediaTypes.DockerSchema1,
].join(', ');

const HEADERS_TIMEOUT_MS = 30_000;
/** A blob body silent this long is cut (and not cached); a slow but moving one is never. */
const BODY_IDLE_TIMEOUT_MS = 60_000;
const MAX_REDIRECTS = 5;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface HttpUpstreamOptions {
  label: string;
  remoteUrl: string;
  username?: string;
  password?: string;
  /** Docker Hub's `ratelimit-limit` / `ratelimit-remaining` (pulls per window), when the upstream sends them. */
  onRateLimit?: (limit: number, remaining: number) => void;
  userAgent: string;
}

/** One upstream registry over HTTP(S), with its own connection pool and credentials. */
export class HttpUpstream implements Upstream {
  readonly label: string;
  private readonly base: string;
  private readonly dispatcher: Agent;
  private readonly auth: UpstreamAuth;

  constructor(private readonly options: HttpUpstreamOptions) {
    this.label = options.label;
    this.base = options.remoteUrl;
    this.dispatcher = new Agent({ headersTimeout: HEADERS_TIMEOUT_MS, bodyTimeout: BODY_IDLE_TIMEOUT_MS, connections: 64 });
    const credentials = options.username !== undefined && options.password !== undefined ? { username: options.username, password: options.password } : undefined;
    this.auth = new UpstreamAuth(credentials, this.dispatcher);
  }

  async resolveManifest(name: string, reference: string): Promise<{ digest?: Digest; mediaType?: string }> {
    const res = await this.send('HEAD', name, `manifests/${reference}`, MANIFEST_ACCEPT);
    await res.body.dump();
    return { ...digestHeader(res), ...mediaType(res) };
  }

  async fetchManifest(name: string, reference: string): Promise<{ bytes: Buffer; mediaType?: string; digest?: Digest }> {
    const res = await this.send('GET', name, `manifests/${reference}`, MANIFEST_ACCEPT);
    const length = Number(res.headers['content-length']);
    if (Number.isFinite(length) && length > MAX_MANIFEST_BYTES) {
      res.body.destroy();
      throw new UpstreamError('bad-answer', `manifest of ${length} bytes is larger than ${MAX_MANIFEST_BYTES}`);
    }
    let bytes: Buffer;
    try {
      bytes = Buffer.from(await res.body.arrayBuffer());
    } catch (err) {
      throw new UpstreamError('unavailable', `manifest ${name}:${reference} cut short: ${(err as Error).message}`);
    }
    return { bytes, ...digestHeader(res), ...mediaType(res) };
  }

  async statBlob(name: string, digest: Digest): Promise<number> {
    const res = await this.send('HEAD', name, `blobs/${digest.value}`);
    await res.body.dump();
    const size = Number(res.headers['content-length']);
    if (!Number.isSafeInteger(size) || size < 0) throw new UpstreamError('bad-answer', `HEAD of blob ${digest.value} named no size`);
    return size;
  }

  async openBlob(name: string, digest: Digest): Promise<{ size?: number; stream: Readable }> {
    const res = await this.send('GET', name, `blobs/${digest.value}`);
    const size = Number(res.headers['content-length']);
    return { ...(Number.isSafeInteger(size) && size >= 0 ? { size } : {}), stream: res.body };
  }

  async listTags(name: string): Promise<string[]> {
    const res = await this.send('GET', name, 'tags/list');
    let body: { tags?: unknown };
    try {
      body = (await res.body.json()) as { tags?: unknown };
    } catch {
      throw new UpstreamError('bad-answer', `tags of ${name}: not JSON`);
    }
    if (body.tags === null || body.tags === undefined) return [];
    if (!Array.isArray(body.tags) || !body.tags.every((t) => typeof t === 'string')) throw new UpstreamError('bad-answer', `tags of ${name}: no list of names`);
    return body.tags;
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  /**
   * One API request, signed as the upstream asks, following redirects (blob storage often lives
   * elsewhere: credentials never follow them to another host). Anything but a 2xx is an UpstreamError.
   */
  private async send(method: 'GET' | 'HEAD', name: string, path: string, accept?: string): Promise<Dispatcher.ResponseData> {
    const scope = `repository:${name}:pull`;
    let url = `${this.base}/v2/${name}/${path}`;
    let signed = true;
    let challenged = false;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const authorization = signed ? this.auth.header(scope) : undefined;
      const headers: Record<string, string> = { 'user-agent': this.options.userAgent };
      if (accept) headers['accept'] = accept;
      if (authorization) headers['authorization'] = authorization;
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, { method, headers, dispatcher: this.dispatcher });
      } catch (err) {
        throw new UpstreamError('unavailable', `${method} ${this.describe(url)}: ${(err as Error).message}`);
      }
      this.observeRateLimit(res);
      const status = res.statusCode;
      if (status >= 200 && status < 300) return res;
      await res.body.dump().catch(() => undefined);
      if (status === 401 && signed && !challenged) {
        challenged = true;
        if (await this.auth.answer(res.headers['www-authenticate'], scope)) {
          hop--;
          continue;
        }
      }
      if (status >= 300 && status < 400 && typeof res.headers['location'] === 'string') {
        const next = new URL(res.headers['location'], url);
        signed = signed && next.origin === new URL(url).origin;
        url = next.toString();
        continue;
      }
      throw this.failure(method, url, res);
    }
    throw new UpstreamError('bad-answer', `${method} ${this.describe(url)}: more than ${MAX_REDIRECTS} redirects`);
  }

  private failure(method: string, url: string, res: Dispatcher.ResponseData): UpstreamError {
    const status = res.statusCode;
    const what = `${method} ${this.describe(url)} answered ${status}`;
    if (status === 404) return new UpstreamError('not-found', what);
    if (status === 401 || status === 403) return new UpstreamError('denied', what);
    if (status === 429) {
      const retryAfter = res.headers['retry-after'];
      return new UpstreamError('rate-limited', what, typeof retryAfter === 'string' ? retryAfter : undefined);
    }
    if (status >= 500) return new UpstreamError('unavailable', what);
    return new UpstreamError('bad-answer', what);
  }

  /** The URL without query (pre-signed blob URLs carry credentials in it). */
  private describe(url: string): string {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  }

  private observeRateLimit(res: Dispatcher.ResponseData): void {
    const limit = leadingNumber(res.headers['ratelimit-limit']);
    const remaining = leadingNumber(res.headers['ratelimit-remaining']);
    if (limit !== undefined && remaining !== undefined) this.options.onRateLimit?.(limit, remaining);
  }
}

/** Docker Hub sends `100;w=21600`: the number before the window. */
function leadingNumber(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const n = value === undefined ? NaN : Number.parseInt(value, 10);
  return Number.isFinite(n) ? n : undefined;
}

function digestHeader(res: Dispatcher.ResponseData): { digest?: Digest } {
  const header = res.headers['docker-content-digest'];
  if (typeof header !== 'string') return {};
  try {
    return { digest: parseDigest(header.trim()) };
  } catch {
    throw new UpstreamError('bad-answer', `the upstream sent a malformed Docker-Content-Digest`);
  }
}

function mediaType(res: Dispatcher.ResponseData): { mediaType?: string } {
  const header = res.headers['content-type'];
  return typeof header === 'string' ? { mediaType: header.split(';', 1)[0]!.trim() } : {};
}
