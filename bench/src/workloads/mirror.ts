/**
 * The pull-through cache: Wharf's `proxy` against docker-registry's on the same data, same run.
 *
 * Per repetition: an upstream docker-registry on a fresh directory gets one image (4 layers of
 * `mediumBlobSize`); then, for each side in alternating order, a fresh cache configured with registry:2's
 * `proxy.remoteurl` pointing at that upstream:
 *   - cold pull: manifest by tag, then the blobs three at a time (as docker does), through the empty cache;
 *   - warm pull: the same again, now from the cache (the tag still revalidated upstream, as both do).
 * Beside them, the same pull straight from the upstream. Every blob's length is checked; the digest of each
 * blob is verified by a second, untimed warm pull.
 *
 * Targets (issue 13): Wharf's cold pull within 10% of the direct pull; Wharf's warm pull ≥ 1.5× the reference's.
 */
import { join } from 'node:path';
import { sha256Digest } from '../blob-data.js';
import { buildImage, manifestAccept, pushImage, type BuiltImage } from '../images.js';
import type { Profile } from '../options.js';
import { RegistryClient } from '../registry-client.js';
import { startServer, type ServerSpec } from '../servers.js';
import { mapLimit } from '../stats.js';
import { PipelineResults, type PipelineFigure } from './pipeline.js';

export const mirrorWorkloadName = 'mirror';

const LAYERS = 4;
const PULL_CONCURRENCY = 3;
const REPO = 'library/bench';

export interface MirrorContext {
  workRoot: string;
  profile: Profile;
  reference: ServerSpec;
  wharf: ServerSpec;
  log(message: string): void;
}

export function mirrorSummary(p: Profile): string {
  return `mirror: ${LAYERS} × ${p.mediumBlobSize / 1024 / 1024} MiB image; cold and warm pull through each side's proxy vs straight from a docker-registry upstream`;
}

/** A proxy cache of `remoteurl`: the side's own config plus registry:2's proxy section. */
function proxied(spec: ServerSpec, remoteurl: string): ServerSpec {
  return { ...spec, config: (root, addr) => ({ ...(spec.config(root, addr) as Record<string, unknown>), proxy: { remoteurl } }) };
}

/** A docker-style pull; seconds from the manifest request to the last blob byte. */
async function timedPull(client: RegistryClient, image: BuiltImage, verify = false): Promise<number> {
  const started = performance.now();
  const manifest = await client.getManifest(REPO, 'latest', manifestAccept);
  if (manifest.digest !== image.digest) throw new Error(`pulled manifest ${manifest.digest}, want ${image.digest}`);
  const blobs = [{ digest: sha256Digest(image.config), size: image.config.length }, ...image.layers.map((l) => ({ digest: l.digest(), size: l.size }))];
  await mapLimit(blobs, PULL_CONCURRENCY, (b) => client.pullBlob(REPO, b.digest, b.size, verify));
  return (performance.now() - started) / 1000;
}

export async function runMirror(ctx: MirrorContext): Promise<PipelineFigure[]> {
  const { workRoot, profile: p, log } = ctx;
  const results = new PipelineResults();
  for (let rep = 0; rep < p.repetitions; rep++) {
    const image = buildImage({ kind: 'docker', seed: 9_000 + rep, layerSizes: Array.from({ length: LAYERS }, () => p.mediumBlobSize) });
    const upstream = await startServer(ctx.reference, join(workRoot, `mirror-${rep}-upstream`));
    const direct = new RegistryClient(upstream.url);
    try {
      await pushImage(direct, REPO, 'latest', image);
      await timedPull(direct, image); // page cache warm for every side alike
      const seconds: Record<string, number> = { direct: await timedPull(direct, image) };
      const order = rep % 2 === 0 ? [ctx.reference, ctx.wharf] : [ctx.wharf, ctx.reference];
      for (const spec of order) {
        const cache = await startServer(proxied(spec, upstream.url), join(workRoot, `mirror-${rep}-${spec.side}`));
        const client = new RegistryClient(cache.url);
        try {
          seconds[`cold.${spec.side}`] = await timedPull(client, image);
          seconds[`warm.${spec.side}`] = await timedPull(client, image);
          await timedPull(client, image, true);
        } finally {
          await client.close();
          await cache.stop();
        }
      }
      const mib = (LAYERS * p.mediumBlobSize) / 1024 / 1024;
      results.add('mirror.direct', 'pull straight from the upstream', 'MiB/s', 'higher', mib / seconds['direct']!);
      for (const side of ['reference', 'wharf']) {
        results.add(`mirror.cold.${side}`, `cold pull through ${side}'s proxy`, 'MiB/s', 'higher', mib / seconds[`cold.${side}`]!);
        results.add(`mirror.warm.${side}`, `warm pull through ${side}'s proxy`, 'MiB/s', 'higher', mib / seconds[`warm.${side}`]!);
      }
      results.add('mirror.cold.ratio', 'Wharf cold pull time ÷ direct pull time', '×', 'lower', seconds['cold.wharf']! / seconds['direct']!, { op: '<', value: 1.1 });
      results.add('mirror.warm.ratio', 'Wharf warm pull speed ÷ reference warm pull speed', '×', 'higher', seconds['warm.reference']! / seconds['warm.wharf']!, { op: '>=', value: 1.5 });
      log(`  rep ${rep}: direct ${seconds['direct']!.toFixed(2)} s, cold ref/wharf ${seconds['cold.reference']!.toFixed(2)}/${seconds['cold.wharf']!.toFixed(2)} s, warm ref/wharf ${seconds['warm.reference']!.toFixed(2)}/${seconds['warm.wharf']!.toFixed(2)} s`);
    } finally {
      await direct.close();
      await upstream.stop();
    }
  }
  return results.all();
}
