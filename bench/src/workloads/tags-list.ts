import { buildImage, pushImage } from '../images.js';
import { mapLimit, median } from '../stats.js';
import type { Workload } from './workload.js';

const repo = 'bench/tags';
const setupConcurrency = 16;
const warmup = 10;

const tagName = (i: number): string => `t${String(i).padStart(4, '0')}`;

/** One manifest tagged N times (set up in parallel), then sequential tags/list requests from one client. */
export const tagsList: Workload = {
  name: 'tags',
  summary: (p) => `tags/list with ${p.tagCount} tags, ${p.tagListRequests} requests`,

  async run({ client, profile: p }) {
    const image = buildImage({ kind: 'oci', seed: 8000, layerSizes: [4096] });
    await pushImage(client, repo, tagName(0), image);
    const rest = Array.from({ length: p.tagCount - 1 }, (_, i) => tagName(i + 1));
    await mapLimit(rest, setupConcurrency, (tag) => client.putManifest(repo, tag, image.mediaType, image.manifest));

    const tags = new Set(await client.listTags(repo));
    if (tags.size !== p.tagCount || !rest.every((tag) => tags.has(tag))) {
      throw new Error(`tags/list returned ${tags.size} tags, want ${p.tagCount}`);
    }

    const path = `/v2/${repo}/tags/list`;
    for (let i = 0; i < warmup; i++) await client.get(path);
    const times: number[] = [];
    for (let i = 0; i < p.tagListRequests; i++) {
      const start = performance.now();
      await client.get(path);
      times.push(performance.now() - start);
    }
    return [
      { key: 'tags.list', label: `tags/list, ${p.tagCount} tags, median`, unit: 'ms', better: 'lower', value: median(times), aggregate: 'median' },
    ];
  },
};
