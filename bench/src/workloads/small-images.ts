import { buildImage, manifestAccept, pushImage } from '../images.js';
import { mapLimit, secondsSince } from '../stats.js';
import { sizeLabel, type Workload } from './workload.js';

const repos = 10;

/**
 * Many small OCI images pushed concurrently, each as docker would (HEAD, POST, PUT per blob, then the manifest),
 * spread over a few repositories. Every manifest is read back by tag afterwards (untimed).
 */
export const smallImages: Workload = {
  name: 'images',
  summary: (p) => `push ${p.smallImages} small images, ${p.smallImageConcurrency} at a time`,

  async run({ client, profile: p }) {
    const jobs = Array.from({ length: p.smallImages }, (_, i) => ({
      repo: `bench/app-${i % repos}`,
      tag: `v${i}`,
      image: buildImage({ kind: 'oci', seed: 9000 + i, layerSizes: [p.smallImageLayerSize] }),
    }));
    const start = performance.now();
    await mapLimit(jobs, p.smallImageConcurrency, ({ repo, tag, image }) => pushImage(client, repo, tag, image));
    const seconds = secondsSince(start);

    await mapLimit(jobs, p.smallImageConcurrency, async ({ repo, tag, image }) => {
      const served = await client.getManifest(repo, tag, manifestAccept);
      if (served.digest !== image.digest) throw new Error(`${repo}:${tag} serves ${served.digest}, pushed ${image.digest}`);
    });
    return [
      {
        key: 'images.push',
        label: `push ${p.smallImages} small images (config + ${sizeLabel(p.smallImageLayerSize)} layer), ${p.smallImageConcurrency} at a time`,
        unit: 'images/s',
        better: 'higher',
        value: p.smallImages / seconds,
        aggregate: 'median',
      },
    ];
  },
};
