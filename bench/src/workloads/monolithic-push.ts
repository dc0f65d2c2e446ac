import { BlobSource } from '../blob-data.js';
import { secondsSince } from '../stats.js';
import { peakRss, sizeLabel, throughput, type Workload } from './workload.js';

const repo = 'bench/monolithic';

/** POST then PUT `?digest=` with the whole body, one client: many small blobs, one medium, one large. */
export const monolithicPush: Workload = {
  name: 'push',
  summary: (p) =>
    `monolithic push: ${p.smallBlobCount}× ${sizeLabel(p.smallBlobSize)}, ${sizeLabel(p.mediumBlobSize)}, ${sizeLabel(p.largeBlobSize)}`,

  async run({ client, server, profile: p }) {
    const small = Array.from({ length: p.smallBlobCount }, (_, i) => new BlobSource(1000 + i, p.smallBlobSize));
    const medium = new BlobSource(2000, p.mediumBlobSize);
    const large = new BlobSource(3000, p.largeBlobSize);
    for (const blob of [...small, medium, large]) blob.digest(); // hash up front, outside the timings

    let start = performance.now();
    for (const blob of small) await client.pushBlob(repo, blob);
    const smallSeconds = secondsSince(start);

    start = performance.now();
    await client.pushBlob(repo, medium);
    const mediumSeconds = secondsSince(start);

    const tracked = await server.memory.track(async () => {
      const t0 = performance.now();
      await client.pushBlob(repo, large);
      return secondsSince(t0);
    });

    // Untimed: every blob is there with its length, and the stored bytes of a sample hash to their digest.
    for (const blob of [...small, medium, large]) {
      if (!(await client.blobExists(repo, blob.digest(), blob.size))) throw new Error(`pushed blob ${blob.digest()} is missing`);
    }
    for (const blob of [small[0]!, small[small.length - 1]!, medium, large]) {
      await client.pullBlob(repo, blob.digest(), blob.size, true);
    }
    return [
      throughput('push.small', `monolithic push ${sizeLabel(p.smallBlobSize)} ×${p.smallBlobCount}`, p.smallBlobSize * small.length, smallSeconds),
      throughput('push.medium', `monolithic push ${sizeLabel(p.mediumBlobSize)}`, p.mediumBlobSize, mediumSeconds),
      throughput('push.large', `monolithic push ${sizeLabel(p.largeBlobSize)}`, p.largeBlobSize, tracked.result),
      peakRss('rss.push.large', `peak RSS while pushing ${sizeLabel(p.largeBlobSize)}`, tracked.peakKiB),
    ];
  },
};
