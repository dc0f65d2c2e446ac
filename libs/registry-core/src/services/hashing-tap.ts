import type { Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Passes bytes through unchanged, feeding them to a hash (if any) and counting them. */
export class HashingTap extends Transform {
  bytes = 0;

  constructor(private readonly hash: Hash | undefined) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash?.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}
