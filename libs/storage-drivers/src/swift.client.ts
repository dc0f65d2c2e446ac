import { createHmac } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { authRequest, authResult, SwiftAuthError, type SwiftCredentials, type SwiftSession } from './swift-auth.js';

export interface SwiftClientOptions {
  credentials: SwiftCredentials;
  /** Accept any TLS certificate from the auth service and the cluster (registry:2's insecureskipverify). */
  insecureSkipVerify: boolean;
  /** Entries per listing request; default and most Swift clusters' maximum: 10,000. */
  listingPageSize?: number;
}

export type SwiftHeaders = Record<string, string>;

export interface SwiftRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | 'COPY';
  /** Container ('' for the account), then optionally an object name; each is URL-encoded here. */
  container: string;
  object?: string;
  query?: Record<string, string>;
  headers?: SwiftHeaders;
  /** A stream body cannot be sent twice: such a request is not retried after a 401. */
  body?: Buffer | string | Readable;
  /** Statuses the caller handles itself (404 for a lookup); others above 299 throw SwiftError. */
  accept?: number[];
}

export interface SwiftResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/** One entry of a container listing: an object, or with a delimiter a pseudo-directory (`subdir`). */
export interface SwiftListingEntry {
  name?: string;
  subdir?: string;
  bytes?: number;
  hash?: string;
  last_modified?: string;
  content_type?: string;
}

/** A request Swift refused or failed; `status` is the HTTP status. */
export class SwiftError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SwiftError';
  }
}

/** Swift's container listings stop at 10,000 entries a page. */
const LISTING_PAGE = 10_000;
/** Authenticate again this long before the token's stated expiry. */
const RENEW_MARGIN_MS = 60_000;

/**
 * The few Swift calls the driver needs, over one keep-alive connection pool: authentication (with
 * renewal before expiry and once after a 401), object and container requests, paged listings and
 * temp-URL signing. Nothing here knows the registry's layout.
 */
export class SwiftClient {
  private readonly agent: Agent;
  private session: SwiftSession | undefined;
  private pending: Promise<SwiftSession> | undefined;

  constructor(private readonly options: SwiftClientOptions) {
    this.agent = new Agent({
      connections: 128,
      keepAliveTimeout: 30_000,
      connect: { rejectUnauthorized: !options.insecureSkipVerify },
    });
  }

  get credentials(): SwiftCredentials {
    return this.options.credentials;
  }

  /** The current session, authenticating when there is none or it is about to expire. */
  async authenticate(force = false): Promise<SwiftSession> {
    const current = this.session;
    if (!force && current && (current.expiresAt === undefined || current.expiresAt - RENEW_MARGIN_MS > Date.now())) {
      return current;
    }
    // concurrent callers share one authentication request
    this.pending ??= this.login().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  async request(req: SwiftRequest): Promise<SwiftResponse> {
    const replayable = req.body === undefined || typeof req.body === 'string' || Buffer.isBuffer(req.body);
    let session = await this.authenticate();
    let res = await this.send(session, req);
    if (res.status === 401 && replayable) {
      await res.body.dump();
      session = await this.authenticate(true);
      res = await this.send(session, req);
    }
    if (res.status >= 300 && !(req.accept ?? []).includes(res.status)) {
      const detail = (await res.body.text().catch(() => '')).trim().slice(0, 200);
      throw new SwiftError(
        `swift ${req.method} ${describe(req)}: HTTP ${res.status}${detail ? ` (${detail.replace(/<[^>]+>/g, ' ').trim()})` : ''}`,
        res.status,
      );
    }
    return res;
  }

  /** Like request, for calls whose body is not needed: it is drained so the connection is reused. */
  async call(req: SwiftRequest): Promise<Omit<SwiftResponse, 'body'>> {
    const res = await this.request(req);
    await res.body.dump();
    return { status: res.status, headers: res.headers };
  }

  /** Every entry of a container listing under `prefix`, page by page (never the whole listing in memory). */
  async *list(container: string, prefix: string, delimiter?: string, pageSize = this.options.listingPageSize ?? LISTING_PAGE): AsyncGenerator<SwiftListingEntry> {
    let marker = '';
    for (;;) {
      const query: Record<string, string> = { format: 'json', prefix, limit: String(pageSize) };
      if (delimiter) query['delimiter'] = delimiter;
      if (marker) query['marker'] = marker;
      const res = await this.request({ method: 'GET', container, query, accept: [404] });
      if (res.status === 404) {
        await res.body.dump();
        throw new SwiftError(`swift container ${container} does not exist`, 404);
      }
      const page = res.status === 204 ? [] : ((await res.body.json()) as SwiftListingEntry[]);
      if (res.status === 204) await res.body.dump();
      for (const entry of page) yield entry;
      if (page.length < pageSize) return;
      const last = page[page.length - 1]!;
      marker = last.name ?? last.subdir ?? '';
    }
  }

  /** The cluster's /info (capabilities), or undefined when it does not publish it. */
  async info(): Promise<Record<string, unknown> | undefined> {
    const session = await this.authenticate();
    const url = new URL(session.storageUrl);
    try {
      const res = await this.agent.request({ origin: url.origin, path: '/info', method: 'GET' });
      if (res.statusCode !== 200) {
        await res.body.dump();
        return undefined;
      }
      return (await res.body.json()) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

  /**
   * A temp URL for one object, signed as Swift's tempurl middleware checks it (HMAC over method,
   * expiry and path). sha256: registry:2's sha1 is deprecated by Swift since 2.30.
   */
  async tempUrl(container: string, object: string, key: string, method: string, expiresAt: Date, signaturePrefix = ''): Promise<string> {
    const session = await this.authenticate();
    const url = new URL(`${session.storageUrl}/${encodePath(container)}/${encodePath(object)}`);
    const expires = Math.floor(expiresAt.getTime() / 1000);
    const signature = createHmac('sha256', key).update(`${method}\n${expires}\n${decodeURIComponent(url.pathname)}`).digest('hex');
    url.search = new URLSearchParams({ temp_url_sig: signaturePrefix + signature, temp_url_expires: String(expires) }).toString();
    return url.toString();
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async login(): Promise<SwiftSession> {
    const c = this.options.credentials;
    const req = authRequest(c);
    const url = new URL(req.url);
    let res: Dispatcher.ResponseData;
    try {
      res = await this.agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: req.method,
        headers: req.headers,
        ...(req.body === undefined ? {} : { body: req.body }),
      });
    } catch (err) {
      throw new SwiftAuthError(`swift authentication for user ${c.username} at ${c.authUrl} failed: ${(err as Error).message}`);
    }
    const type = String(res.headers['content-type'] ?? '');
    const body = type.includes('json') ? await res.body.json().catch(() => undefined) : await res.body.dump().then(() => undefined);
    this.session = authResult(c, res.statusCode, res.headers, body);
    return this.session;
  }

  private async send(session: SwiftSession, req: SwiftRequest): Promise<SwiftResponse> {
    const base = new URL(session.storageUrl);
    // an empty container addresses the account itself (bulk delete, account metadata)
    let path = req.container === '' ? base.pathname : `${base.pathname}/${encodePath(req.container)}`;
    if (req.object !== undefined) path += `/${encodePath(req.object)}`;
    if (req.query) path += `?${new URLSearchParams(req.query).toString()}`;
    const headers: SwiftHeaders = { ...req.headers, 'x-auth-token': session.token };
    const res = await this.agent.request({
      origin: base.origin,
      path,
      method: req.method,
      headers,
      ...(req.body === undefined ? {} : { body: req.body }),
    });
    return { status: res.statusCode, headers: res.headers, body: res.body };
  }
}

/** Encodes each segment of an object name, keeping the slashes that make Swift's pseudo-directories. */
export function encodePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

function describe(req: SwiftRequest): string {
  return req.object === undefined ? req.container : `${req.container}/${req.object}`;
}

/** A response header as one string. */
export function headerOf(headers: SwiftResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
