import { createHash, randomBytes } from 'node:crypto';

/**
 * Deterministic, incompressible blob content without holding a blob in memory.
 *
 * One random pattern (crypto.randomBytes, 16 MiB + one chunk) is made per process. Chunk i of the blob with a
 * given seed is the pattern slice at a pseudo-random offset drawn from (seed, i), so every blob is distinct, no
 * chunk repeats at a fixed stride, and producing a chunk is a zero-copy `subarray`: the client spends its CPU on
 * HTTP, not on generating data. The same (seed, size) always yields the same bytes within one run, which lets a
 * monolithic push know its digest before sending the body.
 */
const CHUNK = 1 << 20;
const PATTERN = 16 << 20;

let pattern: Buffer | undefined;
const digests = new Map<string, string>();

function patternBuffer(): Buffer {
  pattern ??= randomBytes(PATTERN + CHUNK);
  return pattern;
}

/** A 32-bit integer mix (splitmix-like finaliser) to turn (seed, index) into an offset. */
function mix(seed: number, index: number): number {
  let x = (Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** What the client needs to push a blob: its length, its digest, and its bytes by range. */
export interface BlobContent {
  readonly size: number;
  digest(): string;
  range(start?: number, end?: number): Iterable<Buffer>;
}

export class BlobSource implements BlobContent {
  constructor(
    readonly seed: number,
    readonly size: number,
  ) {}

  /** The bytes [start, end) as zero-copy slices of at most 1 MiB. */
  *range(start = 0, end = this.size): Generator<Buffer> {
    const source = patternBuffer();
    let pos = start;
    while (pos < end) {
      const index = Math.floor(pos / CHUNK);
      const within = pos - index * CHUNK;
      const take = Math.min(CHUNK - within, end - pos);
      const base = mix(this.seed, index) % PATTERN;
      yield source.subarray(base + within, base + within + take);
      pos += take;
    }
  }

  /** `sha256:<hex>`, computed once per (seed, size) and cached. */
  digest(): string {
    const key = `${this.seed}:${this.size}`;
    let digest = digests.get(key);
    if (digest === undefined) {
      const hash = createHash('sha256');
      for (const chunk of this.range()) hash.update(chunk);
      digest = `sha256:${hash.digest('hex')}`;
      digests.set(key, digest);
    }
    return digest;
  }

  /** The whole blob in one buffer; only for small blobs. */
  bytes(): Buffer {
    if (this.size > 64 * CHUNK) throw new Error(`refusing to buffer a ${this.size}-byte blob`);
    return Buffer.concat([...this.range()]);
  }
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A small blob already in memory (a config JSON). */
export class BufferBlob implements BlobContent {
  private readonly sha: string;

  constructor(readonly bytes: Buffer) {
    this.sha = sha256Digest(bytes);
  }

  get size(): number {
    return this.bytes.length;
  }

  digest(): string {
    return this.sha;
  }

  *range(start = 0, end = this.bytes.length): Generator<Buffer> {
    yield this.bytes.subarray(start, end);
  }
}
