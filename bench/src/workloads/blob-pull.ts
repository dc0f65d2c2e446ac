import { BlobSource } from '../blob-data.js';
import { median, mibPerSecond, secondsSince } from '../stats.js';
import { peakRss, rate, sizeLabel, throughput, type Workload } from './workload.js';

const repo = 'bench/pull';
const mediumGets = 5;
const concurrentRounds = 3;

/**
 * Pushes a medium and a large blob, pulls each once hashing every byte (untimed: verifies content), then times
 * plain GETs that only count bytes, so the client's hashing is not in the figure.
 */
export const blobPull: Workload = {
  name: 'pull',
  summary: (p) =>
    `blob pull: ${sizeLabel(p.mediumBlobSize)} and ${sizeLabel(p.largeBlobSize)} by 1 reader, ${sizeLabel(p.mediumBlobSize)} by ${p.concurrentReaders} readers`,

  async run({ client, server, profile: p }) {
    const medium = new BlobSource(5000, p.mediumBlobSize);
    const large = new BlobSource(6000, p.largeBlobSize);
    for (const blob of [medium, large]) {
      await client.pushBlob(repo, blob);
      await client.pullBlob(repo, blob.digest(), blob.size, true);
    }
    await client.pullBlob(repo, medium.digest(), medium.size); // warm-up of the timed path

    const mediumRates: number[] = [];
    for (let i = 0; i < mediumGets; i++) {
      const start = performance.now();
      await client.pullBlob(repo, medium.digest(), medium.size);
      mediumRates.push(mibPerSecond(medium.size, secondsSince(start)));
    }

    const tracked = await server.memory.track(async () => {
      const start = performance.now();
      await client.pullBlob(repo, large.digest(), large.size);
      return secondsSince(start);
    });

    const concurrentRates: number[] = [];
    for (let round = 0; round < concurrentRounds; round++) {
      const start = performance.now();
      await Promise.all(
        Array.from({ length: p.concurrentReaders }, () => client.pullBlob(repo, medium.digest(), medium.size)),
      );
      concurrentRates.push(mibPerSecond(medium.size * p.concurrentReaders, secondsSince(start)));
    }

    return [
      rate('pull.medium', `blob GET ${sizeLabel(p.mediumBlobSize)}, 1 reader`, median(mediumRates)),
      throughput('pull.large', `blob GET ${sizeLabel(p.largeBlobSize)}, 1 reader`, large.size, tracked.result),
      rate(
        'pull.concurrent',
        `blob GET ${sizeLabel(p.mediumBlobSize)}, ${p.concurrentReaders} readers (aggregate)`,
        median(concurrentRates),
      ),
      peakRss('rss.pull.large', `peak RSS while pulling ${sizeLabel(p.largeBlobSize)}`, tracked.peakKiB),
    ];
  },
};
