import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { createDigester, digestOf, type Digest } from '../digest.js';
import type { EventContext } from '../events/event-context.js';
import type { RegistryEvents } from '../events/registry-events.js';
import { blobUnknown, type BlobInfo, type BlobService, type ByteRange } from '../services/blob.service.js';
import { paths } from '../storage/paths.js';
import { isPathNotFound, type FileWriter, type StorageDriver } from '../storage/storage-driver.js';
import { BlobFill } from './blob-fill.js';
import type { CacheObserver } from './cache-observer.js';
import type { CacheRoute } from './cache-route.js';
import type { FillCoordinator } from './fill-coordinator.js';
import type { FillLease } from './fill-lock.js';
import { SingleFlight } from './single-flight.js';
import { toClientError } from './upstream-errors.js';
import { isUpstreamError, UpstreamError } from './upstream.js';

export interface PullThroughBlobsOptions {
  /** Start of a blob kept in memory for readers that join a download late. */
  retainBytes: number;
  /** Called when a download fails after the client got its headers (the client only sees a cut response). */
  onFillError?: (route: CacheRoute, digest: Digest, err: unknown) => void;
}

/**
 * Blobs of cached repositories. By digest, storage answers first; a blob it lacks is downloaded
 * once, however many clients ask at the same time, in this process (they share one BlobFill) and
 * across replicas (FillCoordinator). The download streams to the clients while it is written to
 * storage, is verified against its digest on the way, and is moved into place only when it matches
 * (clients get their last bytes once the digest matched, before the fsync).
 * It belongs to no request: a client that goes away does not stop it.
 */
export class PullThroughBlobs {
  private readonly fills = new SingleFlight<BlobFill | undefined>();

  constructor(
    private readonly driver: StorageDriver,
    private readonly blobs: BlobService,
    private readonly events: RegistryEvents,
    private readonly coordinator: FillCoordinator,
    private readonly observer: CacheObserver,
    private readonly options: PullThroughBlobsOptions,
  ) {}

  async head(route: CacheRoute, digest: Digest, ctx?: EventContext): Promise<BlobInfo> {
    if (await this.cached(route, digest)) return this.blobs.head(route.name, digest, this.served(route, ctx, 'hit'));
    let size: number;
    try {
      size = await route.upstream.statBlob(route.remoteName, digest);
    } catch (err) {
      throw this.clientError(route, digest, err);
    }
    this.observer.served(route.upstream.label, 'blob', 'fill', 0);
    const filled = this.served(route, ctx, 'fill');
    if (filled) await this.events.blobPulled(filled, route.name, digest, size);
    return { digest, size };
  }

  async open(route: CacheRoute, digest: Digest, range: ByteRange | undefined, ctx?: EventContext): Promise<{ info: BlobInfo; stream: Readable }> {
    if (await this.cached(route, digest)) return this.fromStorage(route, digest, range, ctx, 'hit');
    const fill = await this.join(route, digest);
    const stream = range === undefined && fill?.size !== undefined ? fill.attach() : undefined;
    if (fill === undefined || stream === undefined) {
      // Filled by another replica, joined too late, or a range: the whole blob comes from storage.
      await this.settled(route, digest, fill);
      return this.fromStorage(route, digest, range, ctx, 'fill');
    }
    const size = fill.size!;
    this.observer.served(route.upstream.label, 'blob', 'fill', size);
    const filled = this.served(route, ctx, 'fill');
    try {
      if (filled) await this.events.blobPulled(filled, route.name, digest, size);
    } catch (err) {
      stream.destroy();
      throw err;
    }
    return { info: { digest, size }, stream };
  }

  /** The blob in storage, fetched first when it is not there yet. */
  async ensure(route: CacheRoute, digest: Digest): Promise<BlobInfo> {
    if (!(await this.cached(route, digest))) await this.settled(route, digest, await this.join(route, digest));
    return this.blobs.stat(route.name, digest);
  }

  /** Whether the blob's bytes are here; links them into the repository when another one fetched them. */
  private async cached(route: CacheRoute, digest: Digest): Promise<boolean> {
    try {
      await this.driver.stat(paths.blobData(digest));
    } catch (err) {
      if (isPathNotFound(err)) return false;
      throw err;
    }
    if (!(await this.blobs.isLinked(route.name, digest))) await this.blobs.link(route.name, digest);
    return true;
  }

  private async fromStorage(route: CacheRoute, digest: Digest, range: ByteRange | undefined, ctx: EventContext | undefined, outcome: 'hit' | 'fill') {
    const opened = await this.blobs.open(route.name, digest, range, this.served(route, ctx, outcome));
    this.observer.served(route.upstream.label, 'blob', outcome, range === undefined ? opened.info.size : range.end - range.start + 1);
    return opened;
  }

  /**
   * Waits for a download to land and links the blob into this repository (the download may have
   * been for another repository with the same blob). A failed download was counted where it failed.
   */
  private async settled(route: CacheRoute, digest: Digest, fill: BlobFill | undefined): Promise<void> {
    try {
      await fill?.done;
    } catch (err) {
      throw isUpstreamError(err) ? toClientError(err, blobUnknown(digest)) : err;
    }
    if (!(await this.cached(route, digest))) throw blobUnknown(digest);
  }

  /** The download of this blob under way in this process, started when there is none. */
  private join(route: CacheRoute, digest: Digest): Promise<BlobFill | undefined> {
    return this.fills.run(digest.value, () => this.startFill(route, digest), (fill) => fill?.done ?? Promise.resolve());
  }

  /** Undefined when the blob reached storage while we got ready (another replica fetched it). */
  private async startFill(route: CacheRoute, digest: Digest): Promise<BlobFill | undefined> {
    const claim = await this.coordinator.claim(`blob:${digest.value}`, () => this.cached(route, digest));
    if (claim === 'present') return undefined;
    let source: { size?: number; stream: Readable };
    try {
      source = await route.upstream.openBlob(route.remoteName, digest);
    } catch (err) {
      await claim.release().catch(() => undefined);
      throw this.clientError(route, digest, err);
    }
    const fill = new BlobFill(source.size, this.options.retainBytes);
    void this.download(route, digest, source.stream, fill, claim);
    return fill;
  }

  private async download(route: CacheRoute, digest: Digest, source: Readable, fill: BlobFill, lease: FillLease): Promise<void> {
    const id = randomUUID();
    const label = route.upstream.label;
    let writer: FileWriter | undefined;
    try {
      writer = await this.driver.writer(paths.uploadData(route.name, id), false);
      const sink = writer.stream;
      let sinkError: Error | undefined;
      sink.on('error', (err) => (sinkError = err));
      const hash = createDigester(digest.algorithm);
      let bytes = 0;
      for await (const chunk of source as AsyncIterable<Buffer>) {
        hash.update(chunk);
        bytes += chunk.length;
        this.observer.fetched(label, chunk.length);
        await Promise.all([sink.write(chunk) ? undefined : once(sink, 'drain'), fill.push(chunk)]);
        if (sinkError) throw sinkError;
      }
      if (fill.size !== undefined && bytes !== fill.size) {
        throw new UpstreamError('bad-answer', `blob ${digest.value} ended after ${bytes} of ${fill.size} bytes`);
      }
      const actual = digestOf(digest.algorithm, hash);
      if (actual.value !== digest.value) {
        throw new UpstreamError('bad-answer', `blob ${digest.value} arrived with digest ${actual.value}`);
      }
      // The clients have the right bytes now; they need not wait for the disk, the fsync or the move.
      fill.verified();
      await end(sink);
      await writer.commit();
      writer = undefined;
      await this.driver.move(paths.uploadData(route.name, id), paths.blobData(digest));
      await this.blobs.link(route.name, digest);
      fill.finish();
    } catch (err) {
      source.destroy();
      await writer?.cancel().catch(() => undefined);
      if (isUpstreamError(err)) this.observer.failed(label, err.failure, err.detail);
      else this.observer.failed(label, 'unavailable', (err as Error).message);
      this.options.onFillError?.(route, digest, err);
      fill.fail(err instanceof Error ? err : new Error(String(err)));
    } finally {
      await this.driver.delete(paths.uploadDir(route.name, id)).catch(() => undefined);
      await lease.release().catch(() => undefined);
    }
  }

  private clientError(route: CacheRoute, digest: Digest, err: unknown): Error {
    if (!isUpstreamError(err)) return err as Error;
    if (err.failure !== 'not-found') this.observer.failed(route.upstream.label, err.failure, err.detail);
    return toClientError(err, blobUnknown(digest));
  }

  private served(route: CacheRoute, ctx: EventContext | undefined, outcome: 'hit' | 'fill'): EventContext | undefined {
    return ctx && { ...ctx, cache: { cache: outcome, upstream: route.upstream.label } };
  }
}

function end(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}
