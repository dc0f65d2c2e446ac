import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the tap does to one answer instead of forwarding it faithfully. */
export type Fault =
  /** 200 with bytes that are not what was asked for (same length). */
  | 'wrong-bytes'
  /** The first half of the body, then the connection is cut. */
  | 'truncate'
  /** 200 with a body that is no manifest at all. */
  | 'garbage'
  /** 429 with Retry-After, as Docker Hub's pull limit answers. */
  | 'rate-limit'
  /** 503, as an upstream in trouble answers. */
  | 'unavailable';

export interface TapRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

/**
 * An HTTP forwarder in front of a real upstream registry (docker-registry): it counts what the
 * cache asks the upstream, and can slow bodies down or break answers on purpose, so a test sees
 * exactly how many downloads a pull cost and how the cache reacts to a misbehaving upstream.
 */
export class UpstreamTap {
  readonly requests: TapRequest[] = [];
  /** Faults by path suffix (`/blobs/sha256:…`, `/manifests/v1`); applied to GETs (and HEADs for status faults). */
  readonly faults = new Map<string, Fault>();
  /** Delay between body chunks of blob answers, so concurrent pulls really overlap. */
  blobChunkDelayMs = 0;
  /** Headers added to every forwarded answer (Docker Hub's `ratelimit-*`). */
  readonly extraHeaders: Record<string, string> = {};
  private constructor(
    private readonly server: Server,
    /** Where requests go; a test may point the tap elsewhere between pulls. */
    public target: URL,
  ) {}

  static async start(target: string): Promise<UpstreamTap> {
    let tap: UpstreamTap | undefined;
    const server = createServer((req, res) => void tap!.handle(req, res));
    tap = new UpstreamTap(server, new URL(target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return tap;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** GETs of a path ending with `suffix` (a blob digest, a manifest reference). */
  gets(suffix: string): number {
    return this.requests.filter((r) => r.method === 'GET' && r.path.endsWith(suffix)).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    this.requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization });
    const fault = [...this.faults].find(([suffix]) => path.endsWith(suffix))?.[1];
    if (fault === 'rate-limit') return void res.writeHead(429, { 'retry-after': '30', 'content-type': 'application/json' }).end('{"errors":[{"code":"TOOMANYREQUESTS","message":"pull limit"}]}');
    if (fault === 'unavailable') return void res.writeHead(503).end('upstream trouble');
    const upstream = request(new URL(req.url ?? '/', this.target), { method: req.method, headers: { ...req.headers, host: this.target.host } });
    req.pipe(upstream);
    upstream.once('error', () => res.destroy());
    upstream.once('response', async (answer) => {
      const chunks: Buffer[] = [];
      const isBlob = path.includes('/blobs/');
      if (fault === undefined && !(isBlob && this.blobChunkDelayMs > 0)) {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...this.extraHeaders });
        answer.pipe(res);
        return;
      }
      for await (const chunk of answer) chunks.push(chunk as Buffer);
      let body = Buffer.concat(chunks);
      if (req.method === 'GET' && fault === 'wrong-bytes') body = Buffer.alloc(body.length, 0x5a);
      if (req.method === 'GET' && fault === 'garbage') body = Buffer.from('<html>this is not a manifest</html>'.padEnd(body.length, ' ').slice(0, Math.max(body.length, 10)));
      const headers: Record<string, string | string[] | undefined> = { ...answer.headers, ...this.extraHeaders, 'content-length': String(body.length) };
      if (req.method === 'GET' && fault === 'garbage') delete headers['docker-content-digest'];
      res.writeHead(answer.statusCode ?? 502, Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string | string[]>);
      if (req.method === 'HEAD') return void res.end();
      if (fault === 'truncate') {
        res.write(body.subarray(0, Math.floor(body.length / 2)));
        setTimeout(() => res.destroy(), 50);
        return;
      }
      const step = 64 * 1024;
      for (let at = 0; at < body.length; at += step) {
        if (!res.write(body.subarray(at, at + step))) await new Promise((r) => res.once('drain', r));
        if (this.blobChunkDelayMs > 0) await new Promise((r) => setTimeout(r, this.blobChunkDelayMs));
      }
      res.end();
    });
  }
}
