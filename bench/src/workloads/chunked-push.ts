import { BlobSource } from '../blob-data.js';
import { secondsSince } from '../stats.js';
import { sizeLabel, throughput, type Workload } from './workload.js';

/** POST, PATCH in fixed-size chunks with Content-Range, PUT `?digest=` with no body. */
export const chunkedPush: Workload = {
  name: 'chunked',
  summary: (p) => `chunked push: ${sizeLabel(p.chunkedBlobSize)} in ${sizeLabel(p.chunkSize)} PATCHes`,

  async run({ client, profile: p }) {
    const repo = 'bench/chunked';
    const blob = new BlobSource(4000, p.chunkedBlobSize);
    blob.digest();
    const start = performance.now();
    await client.pushBlobChunked(repo, blob, p.chunkSize);
    const seconds = secondsSince(start);
    if (!(await client.blobExists(repo, blob.digest(), blob.size))) throw new Error('chunked blob is missing');
    await client.pullBlob(repo, blob.digest(), blob.size, true); // untimed: the stored bytes hash to the digest
    return [
      throughput('push.chunked', `chunked push ${sizeLabel(p.chunkedBlobSize)} (${sizeLabel(p.chunkSize)} PATCHes)`, blob.size, seconds),
    ];
  },
};
