import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { tail } from './exec.js';
import { repoRoot, systemTool } from './tools.js';
import { freePort } from './free-port.js';
import { createTestStore, removeTestStore, testStoreSection } from '@wharf/storage-drivers/test-servers';

export function isObjectStore(kind: StorageKind): kind is ObjectStoreKind {
  return kind === 'azure' || kind === 'gcs' || kind === 'swift';
}

/** A `storage:` section with more keys merged into its one driver's own section. */
function withDriverKeys(section: Record<string, unknown>, keys: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(section).map(([driver, own]) => [driver, { ...(own as Record<string, unknown>), ...keys }]));
}

/** 'wharf' is the system under test; 'reference' is CNCF distribution (`docker-registry`), the yardstick. */
export type RegistryKind = 'wharf' | 'reference';
export type StorageKind = 'filesystem' | 'inmemory' | 's3' | ObjectStoreKind;
/** Object stores on their test servers (scripts/azurite.sh, scripts/fake-gcs.sh, scripts/swift.sh). */
export type ObjectStoreKind = 'azure' | 'gcs' | 'swift';

/** An S3 bucket both registries can be pointed at (see @wharf/storage-drivers/test-servers). */
export interface S3Target {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  rootDirectory?: string;
  /** More `storage.s3` keys (chunksize, …). */
  extra?: Record<string, unknown>;
  /** Configure it as registry:2's `storage.oss` (an OSS region and endpoint) instead of `storage.s3`. */
  ossRegion?: string;
}

/**
 * Which registry the suites aim at. WHARF_E2E_TARGET=reference runs the same suites against
 * docker-registry, which is how the harness itself is validated.
 */
export function targetKind(): RegistryKind {
  const v = process.env['WHARF_E2E_TARGET'] ?? 'wharf';
  if (v !== 'wharf' && v !== 'reference') throw new Error(`WHARF_E2E_TARGET must be wharf or reference, not ${v}`);
  return v;
}

export interface RegistryOptions {
  kind?: RegistryKind;
  storage?: StorageKind;
  /** The bucket of the s3 storage kind (required with it). */
  s3?: S3Target;
  /** More `storage:` keys (redirect, cache, …), merged over the generated ones. */
  storageExtra?: Record<string, unknown>;
  /** Serve an existing storage root (it is not deleted on dispose); default: a fresh temp folder. */
  storageRoot?: string;
  /**
   * azure/gcs: serve this existing container or bucket (it is not removed on dispose); default: a
   * fresh one, removed on dispose.
   */
  objectStore?: string;
  /** Object stores: more keys for the driver's section, over the generated ones (a wrong password, another endpoint). */
  driverKeys?: Record<string, unknown>;
  readyTimeoutMs?: number;
  /**
   * More top-level config sections (notifications, redis, …), merged over the generated ones; a
   * function receives the `host:port` the process will listen on (for URLs that point back at it).
   */
  extraConfig?: Record<string, unknown> | ((host: string) => Record<string, unknown>);
  /** Wharf roles this process hosts (`--roles`); default: the registry alone. */
  roles?: string[];
  /** Readiness probe for a process without the registry role (e.g. its api's URL); default GET /v2/. */
  readyUrl?: string;
  /** More `http:` keys (tls, http2, …), merged over the generated `addr`. */
  http?: Record<string, unknown>;
  /** The address to listen on; default 127.0.0.1. */
  listenHost?: string;
  /** The registry serves HTTPS: the readiness probe trusts this CA (and presents this client certificate). */
  tlsClient?: TlsClientFiles;
}

/** PEM files a client uses against a TLS registry. */
export interface TlsClientFiles {
  caPath: string;
  certPath?: string;
  keyPath?: string;
}

const live = new Set<RegistryProcess>();
const OUTPUT_LIMIT = 256 * 1024;

export class RegistryProcess {
  readonly kind: RegistryKind;
  readonly storage: StorageKind;
  /** Filesystem root, or undefined for inmemory and object stores. */
  readonly storageRoot: string | undefined;
  /** The container or bucket of an azure or gcs registry. */
  objectStore: string | undefined;
  private ownsObjectStore = false;
  private readonly driverKeys: Record<string, unknown>;
  private readonly baseDir: string;
  private readonly configPath: string;
  private readonly readyTimeoutMs: number;
  private readonly extraConfig: Record<string, unknown> | ((host: string) => Record<string, unknown>);
  private readonly roles: string[] | undefined;
  private readonly readyUrl: string | undefined;
  private readonly httpExtra: Record<string, unknown>;
  private readonly listenHost: string;
  private readonly tlsClient: TlsClientFiles | undefined;
  private readonly s3: S3Target | undefined;
  private readonly storageExtra: Record<string, unknown>;
  private port = 0;
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(opts: RegistryOptions) {
    this.kind = opts.kind ?? targetKind();
    this.storage = opts.storage ?? 'filesystem';
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
    this.extraConfig = opts.extraConfig ?? {};
    this.roles = opts.roles;
    this.readyUrl = opts.readyUrl;
    this.httpExtra = opts.http ?? {};
    this.listenHost = opts.listenHost ?? '127.0.0.1';
    this.tlsClient = opts.tlsClient;
    this.s3 = opts.s3;
    this.storageExtra = opts.storageExtra ?? {};
    if (this.storage === 's3' && !this.s3) throw new Error('the s3 storage kind needs the s3 option (a bucket)');
    this.baseDir = mkdtempSync(join(tmpdir(), `wharf-e2e-${this.kind}-`));
    this.configPath = join(this.baseDir, 'config.yml');
    mkdirSync(join(this.baseDir, 'run'));
    this.objectStore = opts.objectStore;
    this.driverKeys = opts.driverKeys ?? {};
    if (this.storage === 'inmemory' || this.storage === 's3' || isObjectStore(this.storage)) {
      this.storageRoot = undefined;
    } else if (opts.storageRoot) {
      this.storageRoot = opts.storageRoot;
    } else {
      // the root sits alone in a sandbox folder so storage-walk can tell if anything was written beside it
      this.storageRoot = join(this.baseDir, 'sandbox', 'storage');
      mkdirSync(this.storageRoot, { recursive: true });
    }
  }

  /** Starts a registry on a free 127.0.0.1 port and resolves once `GET /v2/` answers 200 (or 401 with auth). */
  static async start(opts: RegistryOptions = {}): Promise<RegistryProcess> {
    const reg = new RegistryProcess(opts);
    live.add(reg);
    try {
      if (isObjectStore(reg.storage) && reg.objectStore === undefined) {
        reg.objectStore = await createTestStore(reg.storage, 'e2e');
        reg.ownsObjectStore = true;
      }
      await reg.launch(false);
    } catch (e) {
      await reg.dispose();
      throw e;
    }
    return reg;
  }

  /** host:port, as docker and crane want it. */
  get host(): string {
    return `${this.listenHost}:${this.port}`;
  }

  get url(): string {
    return `${this.tlsClient ? 'https' : 'http'}://${this.host}`;
  }

  /** What the process printed so far (bounded), for failure messages. */
  get logs(): string {
    return this.output;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Graceful stop (SIGTERM), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    await this.terminate('SIGTERM', 10_000);
  }

  /** Crash stop (SIGKILL). */
  async kill(): Promise<void> {
    await this.terminate('SIGKILL', 5_000);
  }

  /** SIGKILL, then start again on the same storage and port: a crash and a supervisor's restart. */
  async crashAndRestart(): Promise<void> {
    await this.kill();
    await this.launch(true);
  }

  /** Stops and starts again on the same storage (and the same port when it is still free). */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch(true);
  }

  /** Stops the process and removes every temp folder this instance created. */
  async dispose(): Promise<void> {
    await this.stop();
    this.removeDirs();
    if (this.ownsObjectStore && this.objectStore !== undefined && isObjectStore(this.storage)) {
      await removeTestStore(this.storage, this.objectStore).catch(() => undefined);
    }
    live.delete(this);
  }

  /** The base folder is always ours; a caller's storageRoot lives elsewhere and is left alone. */
  private removeDirs(): void {
    rmSync(this.baseDir, { recursive: true, force: true });
  }

  private writeConfig(): void {
    const storage: Record<string, unknown> =
      this.storage === 'inmemory'
        ? { inmemory: {} }
        : this.storage === 's3'
          ? this.s3!.ossRegion
            ? { oss: ossKeys(this.s3!, this.s3!.ossRegion) }
            : { s3: s3Keys(this.s3!) }
          : isObjectStore(this.storage)
            ? withDriverKeys(testStoreSection(this.storage, this.objectStore ?? ''), this.driverKeys)
            : { filesystem: { rootdirectory: this.storageRoot } };
    storage['delete'] = { enabled: true };
    Object.assign(storage, this.storageExtra);
    const extra = typeof this.extraConfig === 'function' ? this.extraConfig(this.host) : this.extraConfig;
    const config = { version: 0.1, log: { level: 'warn' }, storage, http: { addr: this.host, ...this.httpExtra }, ...extra };
    writeFileSync(this.configPath, stringify(config));
  }

  private command(): [string, string[]] {
    if (this.kind === 'reference') return [systemTool('docker-registry'), ['serve', this.configPath]];
    const bin = join(repoRoot, 'bin', 'wharf');
    if (!existsSync(bin)) throw new Error(`${bin} does not exist: Wharf is not built (npm run build)`);
    return [process.execPath, [bin, 'serve', this.configPath, ...(this.roles ? ['--roles', this.roles.join(',')] : [])]];
  }

  private async launch(samePort: boolean): Promise<void> {
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      // another process may grab the port between probing and binding: retry on a new one
      if (!samePort || attempt > 1 || this.port === 0) this.port = await freePort();
      this.writeConfig();
      try {
        await this.spawnAndWait();
        return;
      } catch (e) {
        lastError = e as Error;
        if (!/address already in use|EADDRINUSE/i.test(this.output)) throw e;
      }
    }
    throw lastError ?? new Error('registry did not start');
  }

  private async spawnAndWait(): Promise<void> {
    const [cmd, args] = this.command();
    this.output = '';
    // REGISTRY_* variables override config.yml in both registries; the test's config must win
    // docker-registry's AWS SDK panics when AWS_CA_BUNDLE is set (ENVIRONMENT.md)
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_') && k !== 'AWS_CA_BUNDLE'));
    const child = spawn(cmd, args, { cwd: join(this.baseDir, 'run'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const capture = (b: Buffer): void => {
      this.output += b.toString('utf8');
      if (this.output.length > OUTPUT_LIMIT) this.output = this.output.slice(-OUTPUT_LIMIT / 2);
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    let exited: string | undefined;
    child.once('exit', (code, signal) => {
      exited = `exited with ${code ?? signal}`;
    });
    child.once('error', (e) => {
      exited = `could not start: ${e.message}`;
    });

    const deadline = Date.now() + this.readyTimeoutMs;
    let lastProbe = 'no answer yet';
    while (Date.now() < deadline) {
      if (exited) break;
      try {
        const probe = this.readyUrl ?? `${this.url}/v2/`;
        const status = await this.probe(probe);
        // 401: up, and asking for the credentials its auth section requires.
        if (status === 200 || (status === 401 && this.readyUrl === undefined)) return;
        lastProbe = `GET ${probe} answered ${status}`;
      } catch (e) {
        lastProbe = (e as Error).message;
      }
      await sleep(100);
    }
    const why = exited ?? `not ready after ${this.readyTimeoutMs} ms (${lastProbe})`;
    await this.terminate('SIGKILL', 5_000);
    throw new Error(`${this.kind} registry ${why}: ${cmd} ${args.join(' ')}\n--- output ---\n${tail(this.output)}`);
  }

  private async probe(url: string): Promise<number> {
    const tls = this.tlsClient;
    if (tls === undefined || !url.startsWith('https:')) {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return res.status;
    }
    return new Promise((resolve, reject) => {
      const req = httpsRequest(url, {
        ca: readFileSync(tls.caPath),
        ...(tls.certPath ? { cert: readFileSync(tls.certPath) } : {}),
        ...(tls.keyPath ? { key: readFileSync(tls.keyPath) } : {}),
        timeout: 2_000,
      }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      });
      req.once('timeout', () => req.destroy(new Error('no answer within 2000 ms')));
      req.once('error', reject);
      req.end();
    });
  }

  private async terminate(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }

  /** Synchronous last-resort cleanup when the test process exits without disposing. */
  static killAllSync(): void {
    for (const reg of live) {
      reg.child?.kill('SIGKILL');
      reg.removeDirs();
    }
    live.clear();
  }
}

/** registry:2 2.8's own spelling of an S3-compatible bucket: both registries read the same keys. */
function s3Keys(target: S3Target): Record<string, unknown> {
  return {
    region: 'us-east-1',
    regionendpoint: target.endpoint,
    bucket: target.bucket,
    accesskey: target.accessKey,
    secretkey: target.secretKey,
    secure: target.endpoint.startsWith('https:'),
    ...(target.rootDirectory ? { rootdirectory: target.rootDirectory } : {}),
    ...target.extra,
  };
}

/** registry:2's `storage.oss` keys for the same bucket: `endpoint` is host:port, `secure` picks the scheme. */
function ossKeys(target: S3Target, region: string): Record<string, unknown> {
  const endpoint = new URL(target.endpoint);
  return {
    accesskeyid: target.accessKey,
    accesskeysecret: target.secretKey,
    region,
    endpoint: endpoint.host,
    secure: endpoint.protocol === 'https:',
    bucket: target.bucket,
    ...(target.rootDirectory ? { rootdirectory: target.rootDirectory } : {}),
    ...target.extra,
  };
}

process.once('exit', () => RegistryProcess.killAllSync());
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    RegistryProcess.killAllSync();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}
