import type { Hash } from 'node:crypto';
import { createDigester, digestOf, type Digest, type DigestAlgorithm } from '../digest.js';

interface RunningHash {
  hash: Hash;
  /** Bytes hashed so far; valid only while it equals the upload's size on storage. */
  offset: number;
}

/**
 * sha256 states of uploads in progress, so a chunked upload is hashed once while
 * it streams. Node cannot serialise a hash state, so after a restart (or when the
 * next chunk lands on another replica) the state is missing and the upload is
 * re-read once at completion instead. Bounded: abandoned uploads fall out.
 */
export class UploadHashes {
  private readonly running = new Map<string, RunningHash>();

  constructor(private readonly capacity = 4096) {}

  static readonly algorithm: DigestAlgorithm = 'sha256';

  /** The hash to feed the next chunk into, if its state matches what storage holds. */
  resume(id: string, offset: number): Hash | undefined {
    const entry = this.running.get(id);
    if (offset === 0) {
      const hash = createDigester(UploadHashes.algorithm);
      this.remember(id, { hash, offset: 0 });
      return hash;
    }
    if (!entry || entry.offset !== offset) {
      this.running.delete(id);
      return undefined;
    }
    return entry.hash;
  }

  advance(id: string, offset: number): void {
    const entry = this.running.get(id);
    if (entry) entry.offset = offset;
  }

  /** The digest of the whole upload, when the state covers exactly `size` bytes of `algorithm`. */
  finish(id: string, size: number, algorithm: DigestAlgorithm): Digest | undefined {
    const entry = this.running.get(id);
    this.running.delete(id);
    if (!entry || entry.offset !== size || algorithm !== UploadHashes.algorithm) return undefined;
    return digestOf(algorithm, entry.hash);
  }

  forget(id: string): void {
    this.running.delete(id);
  }

  private remember(id: string, entry: RunningHash): void {
    if (this.running.size >= this.capacity) {
      const oldest = this.running.keys().next().value;
      if (oldest !== undefined) this.running.delete(oldest);
    }
    this.running.set(id, entry);
  }
}
