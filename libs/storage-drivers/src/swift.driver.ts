import { createHash, randomBytes } from 'node:crypto';
import type { SwiftStorageConfig } from '@wharf/config';
import pMap from 'p-map';
import { Readable, type PassThrough } from 'node:stream';
import { InvalidOffsetError, PathNotFoundError, type FileInfo, type RedirectOptions, type StorageDriver } from '@wharf/registry-core';
import { splitDriverPath } from './driver-path.js';
import { checkReadRange } from './read-range.js';
import type { SwiftCredentials } from './swift-auth.js';
import { encodePath, headerOf, SwiftClient, SwiftError, type SwiftListingEntry, type SwiftResponse } from './swift.client.js';
import { SwiftFileWriter, type SegmentTarget } from './swift-file.writer.js';

export interface SwiftDriverOptions {
  credentials: SwiftCredentials;
  container: string;
  insecureSkipVerify: boolean;
  /** Segment size in bytes (registry:2's chunksize). */
  chunkSize: number;
  /** Object-name prefix inside the container (registry:2's prefix). */
  prefix: string;
  secretKey?: string;
  accessKey?: string;
  /** Used only when the cluster publishes no /info. */
  tempUrlContainerKey: boolean;
  tempUrlMethods: string[];
  /** Entries per container listing request (default 10,000, Swift's usual maximum). */
  listingPageSize?: number;
}

/** The driver's options from `storage.swift`. */
export function swiftDriverOptions(config: SwiftStorageConfig): SwiftDriverOptions {
  const { name: _name, container, insecureSkipVerify, chunkSize, prefix, secretKey, accessKey, tempUrlContainerKey, tempUrlMethods, ...credentials } = config;
  return {
    credentials,
    container,
    insecureSkipVerify,
    chunkSize,
    prefix,
    tempUrlContainerKey,
    tempUrlMethods,
    ...(secretKey === undefined ? {} : { secretKey }),
    ...(accessKey === undefined ? {} : { accessKey }),
  };
}

const OCTET_STREAM = 'application/octet-stream';
const MANIFEST_HEADER = 'x-object-manifest';
/** HEADs and DELETEs issued at once when a listing needs one per object. */
const PARALLEL_REQUESTS = 16;
/** Names per bulk-delete request, and such requests at once. */
const BULK_DELETE_BATCH = 100;
const BULK_DELETES_IN_FLIGHT = 8;
/** How long commit waits for a listing-backed manifest to report every segment (registry:2: 15 s). */
const SEGMENTS_VISIBLE_TIMEOUT_MS = 15_000;

/** What the cluster allows, learnt once per connection (registry:2 reads /info the same way). */
interface Capabilities {
  tempUrlMethods: string[];
  /** The temp-URL key, when temp URLs are possible. */
  tempUrlKey: string | undefined;
  /** Names per bulk-delete request; 0: no bulk delete. */
  bulkDeleteMax: number;
}

/** A HEAD of one object: its size, date and, for a DLO manifest, its segment prefix. */
interface ObjectHead {
  size: number;
  modTime: Date;
  version: string;
  /** `container/prefix` of a dynamic large object's segments. */
  manifest: string | undefined;
}

/**
 * OpenStack Swift, laid out exactly as registry:2's swift driver lays it out, so either registry
 * serves what the other wrote: every driver path lives at `<prefix>/files<path>` in one container;
 * files written with `writer` are dynamic large objects whose segments live under
 * `<prefix>/segments/<3 hex>/<37 hex>/<16-digit number>`, with a zero-byte manifest at the path.
 * Small files (`putContent`) are plain objects. Moves of large files rewrite the manifest, never
 * the bytes; moves of plain objects are server-side copies.
 *
 * Authentication, the container and the temp-URL key are set up by the first operation (and again
 * after a failure), so a Swift that is down at start-up or wrong credentials surface in the
 * storage health check and in every request's error, naming the cause.
 */
export class SwiftDriver implements StorageDriver {
  readonly name = 'swift';
  private readonly client: SwiftClient;
  private readonly container: string;
  /** `<prefix>/files` without surrounding slashes: the object name of the driver's root. */
  private readonly filesRoot: string;
  private setup: Promise<Capabilities> | undefined;

  constructor(private readonly options: SwiftDriverOptions) {
    this.client = new SwiftClient({
      credentials: options.credentials,
      insecureSkipVerify: options.insecureSkipVerify,
      ...(options.listingPageSize === undefined ? {} : { listingPageSize: options.listingPageSize }),
    });
    this.container = options.container;
    this.filesRoot = trimSlashes(`${options.prefix}/files`);
  }

  async getContent(path: string): Promise<Buffer> {
    const object = this.objectName(path);
    await this.ready();
    const res = await this.client.request({ method: 'GET', container: this.container, object, accept: [404] });
    if (res.status === 404) {
      await res.body.dump();
      throw new PathNotFoundError(path);
    }
    return Buffer.from(await res.body.arrayBuffer());
  }

  /** One PUT: Swift replaces an object atomically (readers get the old or the new one). */
  async putContent(path: string, content: Buffer | string): Promise<void> {
    const object = this.objectName(path);
    await this.ready();
    const body = typeof content === 'string' ? Buffer.from(content) : content;
    await this.client.call({ method: 'PUT', container: this.container, object, body, headers: { 'content-type': OCTET_STREAM } });
  }

  async reader(path: string, offset = 0, end?: number): Promise<Readable> {
    const object = this.objectName(path);
    checkReadRange(path, offset, end);
    await this.ready();
    if (end !== undefined && end < offset) return this.emptyRead(path, object, offset);
    const headers: Record<string, string> = offset > 0 || end !== undefined ? { range: `bytes=${offset}-${end ?? ''}` } : {};
    const res = await this.client.request({ method: 'GET', container: this.container, object, headers, accept: [404, 416] });
    if (res.status === 404) {
      await res.body.dump();
      throw new PathNotFoundError(path);
    }
    if (res.status === 416) {
      // an offset at the very end (or an empty file) is an empty read; past it, an error
      await res.body.dump();
      return this.emptyRead(path, object, offset);
    }
    return res.body;
  }

  /**
   * Appending continues the segments of the path's manifest; a plain object there (putContent, or
   * registry:2's PutContent) first becomes segment 0, as registry:2 does. Otherwise a fresh segment
   * prefix gets its manifest now, and the segments of a large file that was there go.
   */
  async writer(path: string, append: boolean): Promise<SwiftFileWriter> {
    const object = this.objectName(path);
    await this.ready();
    const head = await this.head(object, false);
    if (append && head?.manifest !== undefined) {
      const segments = segmentPrefixOf(head.manifest);
      const existing = await this.segmentsOf(segments);
      const next = existing.reduce((max, s) => Math.max(max, s.number), 0) + 1;
      const size = existing.reduce((sum, s) => sum + s.bytes, 0);
      const newest = existing.reduce((max, s) => Math.max(max, s.modTime), 0);
      const target = this.segmentTarget(path, object, segments);
      return new SwiftFileWriter(target, next, size, size > 0 ? new Date(newest) : undefined, this.options.chunkSize);
    }
    const segments = this.newSegmentPrefix(path);
    const kept = append && head !== undefined && head.size > 0;
    if (kept) await this.copy(object, segmentName(segments, 0));
    const target = this.segmentTarget(path, object, segments);
    await target.writeManifest();
    if (head?.manifest !== undefined) await this.deleteSegments(segmentPrefixOf(head.manifest));
    return new SwiftFileWriter(target, 1, kept ? head.size : 0, kept ? head.modTime : undefined, this.options.chunkSize);
  }

  async stat(path: string): Promise<FileInfo> {
    const object = this.objectName(path, true);
    await this.ready();
    const directory: FileInfo = { path, size: 0, modTime: new Date(0), isDir: true, version: 'dir' };
    if (path === '/') {
      // the root always exists; the listing proves the container answers to these credentials
      await this.hasBelow(object);
      return directory;
    }
    const head = await this.head(object);
    if (head) return { path, size: head.size, modTime: head.modTime, isDir: false, version: head.version };
    // no object: a directory if anything lives below it
    if (await this.hasBelow(object)) return directory;
    throw new PathNotFoundError(path);
  }

  async list(path: string): Promise<string[]> {
    const object = this.objectName(path, true);
    await this.ready();
    const children: string[] = [];
    for await (const entry of this.client.list(this.container, `${object}/`, '/')) {
      children.push(this.driverPath(trimSlashes(entry.subdir ?? entry.name ?? '')));
    }
    if (children.length === 0) throw new PathNotFoundError(path);
    return children;
  }

  /**
   * A large file moves by writing a manifest for its segments at `dest` (no bytes are copied), a
   * plain one by a server-side copy; then the source goes. Segments of a large file `dest` held
   * before are deleted once nothing points at them.
   */
  async move(source: string, dest: string): Promise<void> {
    const from = this.objectName(source);
    const to = this.objectName(dest);
    await this.ready();
    const [head, previous] = await Promise.all([this.head(from, false), this.head(to, false)]);
    if (!head) throw new PathNotFoundError(source);
    if (head.manifest !== undefined) {
      await this.putManifest(to, head.manifest);
    } else {
      await this.copy(from, to);
    }
    await this.deleteObjects([from]);
    const replaced = previous?.manifest;
    if (replaced !== undefined && replaced !== head.manifest) await this.deleteSegments(segmentPrefixOf(replaced));
  }

  /** The file, or every object below the directory, and the segments of every large file among them. */
  async delete(path: string): Promise<void> {
    const object = this.objectName(path);
    await this.ready();
    const self = await this.head(object, false);
    // a file has nothing below it (paths behave as on a disk), so only a directory needs the listing
    const below: SwiftListingEntry[] = [];
    if (!self) for await (const entry of this.client.list(this.container, `${object}/`)) if (entry.name) below.push(entry);
    if (!self && below.length === 0) throw new PathNotFoundError(path);
    const manifests = self?.manifest !== undefined ? [self.manifest] : [];
    // a DLO manifest is a zero-byte object: only those need a HEAD to find their segments
    const empty = below.filter((entry) => entry.bytes === 0).map((entry) => entry.name!);
    for (const manifest of await pMap(empty, async (name) => (await this.head(name, false))?.manifest, { concurrency: PARALLEL_REQUESTS })) {
      if (manifest !== undefined) manifests.push(manifest);
    }
    // files first, then segments: a reader never finds a manifest whose segments are gone
    const names = below.map((entry) => entry.name!);
    await this.deleteObjects(self ? [object, ...names] : names);
    for (const manifest of new Set(manifests)) await this.deleteSegments(segmentPrefixOf(manifest));
  }

  /**
   * A temp URL for the object (registry:2 signs HEAD as GET, which Swift accepts for HEAD), or
   * undefined when the cluster allows no temp URL for the method or no key is known.
   */
  async redirectURL(path: string, options: RedirectOptions): Promise<string | undefined> {
    const object = this.objectName(path);
    const caps = await this.ready();
    const method = options.method === 'HEAD' ? 'GET' : options.method;
    if (caps.tempUrlKey === undefined || !caps.tempUrlMethods.includes(method)) return undefined;
    const expiresAt = new Date(Date.now() + options.expiresInMs);
    const tenantId = this.options.credentials.tenantId ?? '';
    const signaturePrefix = this.options.accessKey ? `${tenantId}:${this.options.accessKey}:` : '';
    return this.client.tempUrl(this.container, object, caps.tempUrlKey, method, expiresAt, signaturePrefix);
  }

  /** Every file below `path`, from flat listings (large files' sizes from a HEAD each). */
  async *walk(path: string): AsyncIterable<FileInfo> {
    const object = this.objectName(path, true);
    await this.ready();
    let batch: SwiftListingEntry[] = [];
    const flush = async (): Promise<FileInfo[]> => {
      const infos = await pMap(batch, (entry) => this.listedFile(entry), { concurrency: PARALLEL_REQUESTS });
      batch = [];
      return infos.filter((info): info is FileInfo => info !== undefined);
    };
    for await (const entry of this.client.list(this.container, `${object}/`)) {
      if (!entry.name) continue;
      batch.push(entry);
      if (batch.length >= 1000) yield* await flush();
    }
    yield* await flush();
  }

  /** Closes the connection pool (tests; the registry keeps its driver for the process's life). */
  async close(): Promise<void> {
    await this.client.close();
  }

  /** Authenticates, creates the container if needed and learns the cluster's temp-URL and bulk-delete support. */
  private ready(): Promise<Capabilities> {
    this.setup ??= this.connect().catch((err: unknown) => {
      this.setup = undefined;
      throw err;
    });
    return this.setup;
  }

  private async connect(): Promise<Capabilities> {
    await this.client.authenticate();
    const container = await this.client.call({ method: 'HEAD', container: this.container, accept: [404] });
    if (container.status === 404) await this.client.call({ method: 'PUT', container: this.container });
    const info = await this.client.info();
    let tempUrlMethods = this.options.tempUrlMethods;
    let containerKey = this.options.tempUrlContainerKey;
    let bulkDeleteMax = 0;
    if (info) {
      const tempurl = info['tempurl'] as { methods?: string[] } | undefined;
      tempUrlMethods = tempurl?.methods ?? [];
      // container keys came with Swift 2.3.0 (registry:2 checks the same)
      containerKey = versionAtLeast(String((info['swift'] as { version?: string } | undefined)?.version ?? ''), [2, 3, 0]);
      bulkDeleteMax = Number((info['bulk_delete'] as { max_deletes_per_request?: number } | undefined)?.max_deletes_per_request ?? 0);
    }
    const tempUrlKey = tempUrlMethods.length > 0 ? await this.tempUrlKey(containerKey) : undefined;
    return { tempUrlMethods, tempUrlKey, bulkDeleteMax };
  }

  /**
   * registry:2's rule: the configured secretkey, else the key already on the container (or account),
   * else a new random one; written to Swift when it differs, so every registry on the container
   * signs with the same key. A user who may not set metadata keeps the key Swift has (none: no
   * temp URLs, blobs are served by the registry), as registry:2 does.
   */
  private async tempUrlKey(onContainer: boolean): Promise<string | undefined> {
    const level = onContainer ? 'container' : 'account';
    const res = await this.client.call({ method: 'HEAD', container: onContainer ? this.container : '' });
    const current = headerOf(res.headers, `x-${level}-meta-temp-url-key`);
    const wanted = this.options.secretKey;
    if (current && (wanted === undefined || wanted === current)) return current;
    const key = wanted ?? randomBytes(32).toString('hex');
    try {
      await this.client.call({
        method: 'POST',
        container: onContainer ? this.container : '',
        headers: { [`x-${level}-meta-temp-url-key`]: key },
      });
    } catch (err) {
      if (err instanceof SwiftError && (err.status === 401 || err.status === 403)) return current || undefined;
      throw err;
    }
    return key;
  }

  private segmentTarget(path: string, object: string, segments: string): SegmentTarget {
    return {
      path,
      putSegment: async (number: number, body: PassThrough) => {
        await this.client.call({
          method: 'PUT',
          container: this.container,
          object: segmentName(segments, number),
          body,
          headers: { 'content-type': OCTET_STREAM },
        });
      },
      writeManifest: () => this.putManifest(object, `${this.container}/${segments}`),
      awaitSize: (size: number) => this.awaitSize(path, object, size),
      discard: async () => {
        await this.deleteObjects([object]);
        await this.deleteSegments(segments);
      },
    };
  }

  private async putManifest(object: string, manifest: string): Promise<void> {
    await this.client.call({
      method: 'PUT',
      container: this.container,
      object,
      body: Buffer.alloc(0),
      headers: { 'content-type': OCTET_STREAM, [MANIFEST_HEADER]: manifest },
    });
  }

  /** A DLO's size comes from a container listing, which can lag behind a segment write. */
  private async awaitSize(path: string, object: string, size: number): Promise<void> {
    const deadline = Date.now() + SEGMENTS_VISIBLE_TIMEOUT_MS;
    let wait = 100;
    for (;;) {
      const seen = (await this.head(object))?.size;
      if (seen === size) return;
      if (Date.now() + wait > deadline) {
        throw new Error(`swift: ${path} shows ${seen ?? 'no'} bytes of ${size} after ${SEGMENTS_VISIBLE_TIMEOUT_MS / 1000} s`);
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait *= 2;
    }
  }

  private async hasBelow(object: string): Promise<boolean> {
    for await (const _entry of this.client.list(this.container, `${object}/`, '/', 1)) return true;
    return false;
  }

  /**
   * `resolve: false` asks for a large file's manifest object itself (`multipart-manifest=get`): its
   * segment prefix without Swift listing the segments to add up the size, which only `stat`-like
   * callers need.
   */
  private async head(object: string, resolve = true): Promise<ObjectHead | undefined> {
    const query = resolve ? {} : { query: { 'multipart-manifest': 'get' } };
    const res = await this.client.call({ method: 'HEAD', container: this.container, object, accept: [404], ...query });
    if (res.status === 404) return undefined;
    return headOf(res.headers);
  }

  private async copy(from: string, to: string): Promise<void> {
    await this.client.call({
      method: 'PUT',
      container: this.container,
      object: to,
      body: Buffer.alloc(0),
      headers: { 'x-copy-from': `/${encodePath(this.container)}/${encodePath(from)}` },
    });
  }

  private async segmentsOf(prefix: string): Promise<{ number: number; bytes: number; modTime: number }[]> {
    const found: { number: number; bytes: number; modTime: number }[] = [];
    for await (const entry of this.client.list(this.container, `${prefix}/`)) {
      const number = Number(entry.name?.slice(prefix.length + 1));
      if (Number.isSafeInteger(number)) found.push({ number, bytes: entry.bytes ?? 0, modTime: listedTime(entry).getTime() });
    }
    return found;
  }

  private async deleteSegments(prefix: string): Promise<void> {
    const names: string[] = [];
    for await (const entry of this.client.list(this.container, `${prefix}/`)) if (entry.name) names.push(entry.name);
    await this.deleteObjects(names);
  }

  /**
   * Bulk delete where the cluster offers it, else one DELETE each; objects already gone are fine.
   * Swift works through one bulk request's names one at a time, so a long list goes as several
   * requests at once.
   */
  private async deleteObjects(names: string[]): Promise<void> {
    if (names.length === 0) return;
    const { bulkDeleteMax } = await this.ready();
    if (bulkDeleteMax > 1 && names.length > 1) {
      const size = Math.min(bulkDeleteMax, BULK_DELETE_BATCH);
      const batches: string[][] = [];
      for (let i = 0; i < names.length; i += size) batches.push(names.slice(i, i + size));
      await pMap(batches, (batch) => this.bulkDelete(batch), { concurrency: BULK_DELETES_IN_FLIGHT });
      return;
    }
    await pMap(names, (object) => this.client.call({ method: 'DELETE', container: this.container, object, accept: [404] }), {
      concurrency: PARALLEL_REQUESTS,
    });
  }

  private async bulkDelete(names: string[]): Promise<void> {
    const body = names.map((name) => `/${encodePath(this.container)}/${encodePath(name)}`).join('\n');
    const res = await this.client.request({
      method: 'POST',
      container: '',
      query: { 'bulk-delete': '' },
      body,
      headers: { 'content-type': 'text/plain', accept: 'application/json' },
    });
    const answer = (await res.body.json()) as { 'Response Status'?: string; Errors?: [string, string][] };
    const failed = (answer.Errors ?? []).filter(([, status]) => !status.startsWith('404'));
    if (failed.length > 0 || !/^(2\d\d|400)/.test(answer['Response Status'] ?? '200')) {
      throw new SwiftError(`swift bulk delete: ${answer['Response Status']}: ${failed.slice(0, 3).map((f) => f.join(' ')).join('; ')}`, 500);
    }
  }

  private async emptyRead(path: string, object: string, offset: number): Promise<Readable> {
    const head = await this.head(object);
    if (!head) throw new PathNotFoundError(path);
    if (offset > head.size) throw new InvalidOffsetError(path, offset);
    return Readable.from([]);
  }

  private async listedFile(entry: SwiftListingEntry): Promise<FileInfo | undefined> {
    const name = entry.name!;
    const path = this.driverPath(name);
    if (entry.bytes === 0) {
      const head = await this.head(name);
      if (!head) return undefined;
      return { path, size: head.size, modTime: head.modTime, isDir: false, version: head.version };
    }
    return { path, size: entry.bytes ?? 0, modTime: listedTime(entry), isDir: false, version: `${entry.hash}:${entry.last_modified}` };
  }

  /** Validates a driver path and names its object: `<prefix>/files<path>`, as registry:2 does. */
  private objectName(path: string, allowRoot = false): string {
    splitDriverPath(path, allowRoot);
    return path === '/' ? this.filesRoot : trimSlashes(`${this.options.prefix}/files${path}`);
  }

  private driverPath(object: string): string {
    return object.slice(this.filesRoot.length) || '/';
  }

  /** registry:2's segment prefix: sha1 of the path and 32 random bytes, split 3/37. */
  private newSegmentPrefix(path: string): string {
    const hex = createHash('sha1').update(path).update(randomBytes(32)).digest('hex');
    return trimSlashes(`${this.options.prefix}/segments/${hex.slice(0, 3)}/${hex.slice(3)}`);
  }
}

function headOf(headers: SwiftResponse['headers']): ObjectHead {
  const size = Number(headerOf(headers, 'content-length') ?? 0);
  const timestamp = Number(headerOf(headers, 'x-timestamp'));
  const modTime = Number.isFinite(timestamp) ? new Date(timestamp * 1000) : new Date(headerOf(headers, 'last-modified') ?? 0);
  const etag = headerOf(headers, 'etag') ?? '';
  return { size, modTime, version: `${headerOf(headers, 'x-timestamp')}:${etag}:${size}`, manifest: headerOf(headers, MANIFEST_HEADER) };
}

/** A listing's last_modified is UTC without a zone ("2026-12-03T18:05:03.753900"). */
function listedTime(entry: SwiftListingEntry): Date {
  return new Date(`${entry.last_modified ?? ''}Z`);
}

/** The object-name prefix of a manifest's `container/prefix`. */
function segmentPrefixOf(manifest: string): string {
  const slash = manifest.indexOf('/');
  return slash === -1 ? '' : manifest.slice(slash + 1);
}

function segmentName(prefix: string, number: number): string {
  return `${prefix}/${String(number).padStart(16, '0')}`;
}

function trimSlashes(name: string): string {
  return name.replace(/^\/+/, '').replace(/\/+$/, '');
}

function versionAtLeast(version: string, minimum: number[]): boolean {
  const parts = version.split('.').map((part) => Number.parseInt(part, 10));
  for (let i = 0; i < minimum.length; i++) {
    const have = parts[i] ?? 0;
    if (Number.isNaN(have)) return false;
    if (have !== minimum[i]) return have > minimum[i]!;
  }
  return true;
}
