/**
 * A deliberately plain HTTP client for protocol tests. It never normalises paths (`../` and
 * percent escapes reach the registry as written), never follows redirects and returns the raw
 * status, headers and body, so hostile requests can be expressed exactly.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest, Agent, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RequestOptions {
  headers?: Record<string, string | number>;
  /** A Buffer is sent with Content-Length; an iterable is streamed with chunked transfer encoding. */
  body?: Buffer | string | Iterable<Buffer> | AsyncIterable<Buffer>;
  timeoutMs?: number;
  /** Separate connection pool, to make two clients really concurrent. */
  agent?: Agent;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const sharedAgent = new Agent({ keepAlive: false });

/**
 * `target` is a path ("/v2/...", sent verbatim) or an absolute URL such as a Location header.
 */
export function send(base: string, method: string, target: string, options: RequestOptions = {}): Promise<HttpResponse> {
  const baseUrl = new URL(base);
  const path = pathOf(base, target);
  return new Promise((resolveResponse, reject) => {
    const headers: Record<string, string | number> = { ...options.headers };
    const body = options.body;
    if ((typeof body === 'string' || Buffer.isBuffer(body)) && !hasHeader(headers, 'content-length')) {
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const req = httpRequest({
      host: baseUrl.hostname,
      port: baseUrl.port,
      method,
      path,
      headers,
      agent: options.agent ?? sharedAgent,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    req.once('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)));
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => resolveResponse({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    if (body === undefined) {
      req.end();
    } else if (typeof body === 'string' || Buffer.isBuffer(body)) {
      req.end(body);
    } else {
      Readable.from(body).once('error', (error) => req.destroy(error)).pipe(req);
    }
  });
}

/** The request-target to send: a path as given, or the path+query of an absolute URL on the same registry. */
function pathOf(base: string, target: string): string {
  if (target.startsWith('/')) return target;
  const url = new URL(target, base);
  return `${url.pathname}${url.search}`;
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

export function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The OCI error codes in a JSON error body, or null when the body is not `{"errors":[...]}`. */
export function errorCodes(response: HttpResponse): string[] | null {
  try {
    const parsed: unknown = JSON.parse(response.body.toString('utf8'));
    if (!parsed || typeof parsed !== 'object' || !Array.isArray((parsed as { errors?: unknown }).errors)) return null;
    return ((parsed as { errors: unknown[] }).errors).map((entry) =>
      entry && typeof entry === 'object' && typeof (entry as { code?: unknown }).code === 'string'
        ? (entry as { code: string }).code
        : '<no code>');
  } catch {
    return null;
  }
}

/** One line for messages: status, first error code, a little of the body. */
export function describeResponse(response: HttpResponse | null): string {
  if (!response) return 'no response (connection closed)';
  const codes = errorCodes(response);
  const text = response.body.toString('utf8').replace(/\s+/g, ' ').slice(0, 160);
  return `${response.status}${codes ? ` ${codes.join(',')}` : ''}${codes ? '' : text ? ` body=${JSON.stringify(text)}` : ''}`;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export interface RawExchange {
  /** Everything the server sent before it closed the connection or the timeout hit. */
  received: Buffer;
  /** The status of the first response line, if one arrived. */
  status: number | null;
  /** True when the server closed the connection (rather than the timeout ending the wait). */
  closedByServer: boolean;
}

/**
 * Writes `head` (request line + headers, CRLF-terminated, no blank line needed) and `body` to a raw
 * socket, then half-closes the connection when `endAfterBody` and collects whatever comes back.
 * For requests no well-behaved client library will send: a Content-Length larger than the body,
 * byte-exact HEAD responses.
 */
export function rawExchange(base: string, head: string, body: Buffer = Buffer.alloc(0), options: { endAfterBody?: boolean; timeoutMs?: number } = {}): Promise<RawExchange> {
  const url = new URL(base);
  return new Promise((resolveExchange, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    let closedByServer = false;
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const received = Buffer.concat(chunks);
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(received.subarray(0, 16).toString('latin1'));
      resolveExchange({ received, status: match ? Number(match[1]) : null, closedByServer });
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => {
      closedByServer = true;
      finish();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
        closedByServer = true;
        finish();
      } else {
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.once('connect', () => {
      const headText = head.endsWith('\r\n\r\n') ? head : `${head.replace(/(\r\n)*$/, '')}\r\n\r\n`;
      void writeBody(Buffer.from(headText, 'latin1'));
    });
    // Like Go's transport: the body goes out in pieces and stops as soon as the server answers, so an
    // early answer (413 on Content-Length alone) is read rather than lost to a reset.
    const writeBody = async (headBytes: Buffer): Promise<void> => {
      socket.write(headBytes);
      for (let offset = 0; offset < body.length && chunks.length === 0 && !socket.destroyed; offset += RAW_PIECE) {
        if (!socket.write(body.subarray(offset, offset + RAW_PIECE))) {
          await new Promise<void>((resolveDrain) => {
            socket.once('drain', resolveDrain);
            socket.once('close', resolveDrain);
          });
        }
      }
      if (options.endAfterBody && !socket.destroyed) socket.end();
    };
  });
}

const RAW_PIECE = 64 * 1024;

/** Splits a raw HTTP/1.1 response into status, lower-case headers and the bytes after the blank line. */
export function parseRawResponse(received: Buffer): { status: number; headers: Map<string, string>; rest: Buffer } {
  const split = received.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`incomplete HTTP response: ${JSON.stringify(received.toString('latin1').slice(0, 200))}`);
  const lines = received.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status, headers, rest: received.subarray(split + 4) };
}

/**
 * One whole request over a raw socket, reading the answer even when the server answers early and
 * closes before taking the body (a 413 on Content-Length alone), which a client library reports as
 * EPIPE. Null when nothing came back.
 */
export async function sendTolerant(base: string, method: string, target: string, headers: Record<string, string | number>, body: Buffer): Promise<HttpResponse | null> {
  const url = new URL(target, base);
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close', `Content-Length: ${body.length}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  const exchange = await rawExchange(base, `${lines.join('\r\n')}\r\n\r\n`, body, { timeoutMs: 30_000 });
  if (exchange.status === null) return null;
  const parsed = parseRawResponse(exchange.received);
  const headerObject: IncomingHttpHeaders = Object.fromEntries(parsed.headers);
  const responseBody = /chunked/i.test(parsed.headers.get('transfer-encoding') ?? '') ? dechunk(parsed.rest) : parsed.rest;
  return { status: parsed.status, headers: headerObject, body: responseBody };
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
