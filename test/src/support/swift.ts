// The one-node Swift of scripts/swift.sh (started once by scripts/test.sh), seen as a user sees it:
// containers are inspected over plain HTTP with tempauth, independent of the driver under test.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeTestStore, SWIFT } from '@wharf/storage-drivers/test-servers';
import { freePort } from './free-port.js';
import { repoRoot, systemTool } from './tools.js';

const SWIFT_DIR = process.env['WHARF_SWIFT_DIR'] ?? join(repoRoot, '.tools', 'run', 'swift');

function authUrlOn(port: number): string {
  return `http://127.0.0.1:${port}/auth/v1.0`;
}

/** A container name no other test uses. */
export function uniqueContainer(label: string): string {
  return `${label}-${randomBytes(5).toString('hex')}`;
}

export interface SwiftObject {
  name: string;
  bytes: number;
  hash: string;
}

/** A container inspected over Swift's own API. */
export class SwiftContainer {
  private session: { token: string; url: string } | undefined;

  constructor(
    readonly name: string,
    private readonly authUrl = SWIFT.authUrl,
  ) {}

  async objects(prefix = ''): Promise<SwiftObject[]> {
    const found: SwiftObject[] = [];
    let marker = '';
    for (;;) {
      const query = new URLSearchParams({ format: 'json', prefix, marker, limit: '10000' });
      const res = await this.fetch(`?${query}`);
      if (res.status === 404) return found;
      const page = res.status === 204 ? [] : ((await res.json()) as SwiftObject[]);
      found.push(...page);
      if (page.length < 10_000) return found;
      marker = page[page.length - 1]!.name;
    }
  }

  /** `X-Object-Manifest` of an object (a registry:2 large file), or undefined. */
  async manifestOf(object: string): Promise<string | undefined> {
    const res = await this.fetch(`/${object}`, { method: 'HEAD' });
    return res.headers.get('x-object-manifest') ?? undefined;
  }

  /** Name → etag of every object: what changed between two snapshots. */
  async snapshot(): Promise<Map<string, string>> {
    return new Map((await this.objects()).map((o) => [o.name, o.hash]));
  }

  /**
   * What a registry must not leave behind: objects outside registry:2's two top-level names,
   * leftover upload folders, and segments no large file's manifest points at.
   */
  async strays(): Promise<string[]> {
    const objects = await this.objects();
    const referenced = new Set<string>();
    for (const o of objects) {
      if (!o.name.startsWith('files/') || o.bytes !== 0) continue;
      const manifest = await this.manifestOf(o.name);
      if (manifest) referenced.add(manifest.slice(manifest.indexOf('/') + 1));
    }
    return objects
      .map((o) => o.name)
      .filter((name) => {
        if (name.startsWith('files/')) return name.includes('/_uploads/');
        if (!name.startsWith('segments/')) return true;
        return !referenced.has(name.slice(0, name.lastIndexOf('/')));
      });
  }

  /** Removes every object and the container. */
  async drop(): Promise<void> {
    await removeTestStore('swift', this.name);
  }

  private async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const session = this.session ?? (await this.login());
      const res = await fetch(`${session.url}/${this.name}${path}`, {
        ...init,
        headers: { 'x-auth-token': session.token },
        signal: AbortSignal.timeout(30_000),
      });
      if (res.status !== 401 || attempt > 0) return res;
      this.session = undefined;
    }
  }

  private async login(): Promise<{ token: string; url: string }> {
    const res = await fetch(this.authUrl, { headers: { 'x-auth-user': SWIFT.username, 'x-auth-key': SWIFT.password } });
    const token = res.headers.get('x-auth-token');
    const url = res.headers.get('x-storage-url');
    if (!res.ok || !token || !url) throw new Error(`swift auth at ${this.authUrl} answered ${res.status}`);
    this.session = { token, url };
    return this.session;
  }
}

/**
 * A second Swift proxy of the test's own in front of the shared account, container and object
 * servers: stopping it is Swift going away for whoever was configured with its URL, while every
 * other test keeps the shared proxy.
 */
export class PrivateSwiftProxy {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivateSwiftProxy> {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-swift-proxy-'));
    const conf = readFileSync(join(SWIFT_DIR, 'etc', 'proxy-server.conf'), 'utf8');
    const proxy = new PrivateSwiftProxy(await freePort(), dir);
    writeFileSync(join(dir, 'proxy-server.conf'), conf.replace(/^bind_port = \d+$/m, `bind_port = ${proxy.port}`));
    await proxy.resume();
    return proxy;
  }

  get authUrl(): string {
    return authUrlOn(this.port);
  }

  /** Starts the proxy and waits until it authenticates. */
  async resume(): Promise<void> {
    this.output = '';
    const child = spawn(systemTool('swift-proxy-server'), [join(this.dir, 'proxy-server.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.on('data', (b: Buffer) => (this.output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (this.output += b.toString()));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      try {
        const res = await fetch(this.authUrl, { headers: { 'x-auth-user': SWIFT.username, 'x-auth-key': SWIFT.password }, signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`the private swift proxy on ${this.port} did not come up: ${this.output.slice(-2000)}`);
  }

  /** Kills the proxy at once: connections in flight are cut, as when Swift goes down. */
  async halt(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  }

  async dispose(): Promise<void> {
    await this.halt();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
