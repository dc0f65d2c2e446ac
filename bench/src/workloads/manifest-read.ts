import { buildImage, manifestAccept, pushImage } from '../images.js';
import { runAbHead } from '../ab.js';
import { runWrk } from '../wrk.js';
import type { Measurement, Workload } from './workload.js';

const repo = 'bench/manifests';
const tag = 'latest';

/**
 * One schema-2 image, then load on its manifest by tag: wrk for GET (after a warm-up), ab for HEAD (wrk 4.1
 * cannot complete HEAD responses), then one wrk client's median GET latency. The served manifest is checked
 * byte for byte before any timing.
 */
export const manifestRead: Workload = {
  name: 'manifest',
  summary: (p) =>
    `manifest by tag: GET wrk -c ${p.wrkConnections} -t ${p.wrkThreads} -d ${p.wrkSeconds}s, HEAD ab -k -c ${p.wrkConnections}, 1-client p50`,

  async run({ client, server, profile: p }) {
    const image = buildImage({ kind: 'docker', seed: 7000, layerSizes: [4096, 8192, 16384] });
    await pushImage(client, repo, tag, image);
    const served = await client.getManifest(repo, tag, manifestAccept);
    if (!served.bytes.equals(image.manifest) || served.mediaType !== image.mediaType) {
      throw new Error(`GET manifest by tag: served ${served.mediaType} ${served.digest}, pushed ${image.digest}`);
    }
    await client.headManifest(repo, tag, manifestAccept, served);

    const url = `${server.url}/v2/${repo}/manifests/${tag}`;
    const load = { url, headers: { Accept: manifestAccept }, connections: p.wrkConnections, threads: p.wrkThreads };
    await runWrk({ ...load, durationSec: p.wrkWarmupSeconds });
    const get = await runWrk({ ...load, durationSec: p.wrkSeconds });
    const head = await runAbHead({ url, headers: load.headers, concurrency: p.wrkConnections, durationSec: p.wrkSeconds });
    const single = await runWrk({ ...load, connections: 1, threads: 1, durationSec: p.latencySeconds });
    // wrk counts any 2xx as success: check that the responses, on average, carried the whole manifest.
    for (const run of [get, single]) {
      if (run.bytesRead / run.requests < image.manifest.length) {
        throw new Error(`wrk: responses average ${Math.round(run.bytesRead / run.requests)} bytes; the manifest alone is ${image.manifest.length}`);
      }
    }

    const rps = (key: string, label: string, value: number): Measurement => ({
      key, label, unit: 'req/s', better: 'higher', value, aggregate: 'median',
    });
    return [
      rps('manifest.get', `manifest GET by tag, ${p.wrkConnections} clients (wrk)`, get.requestsPerSec),
      rps('manifest.head', `manifest HEAD by tag, ${p.wrkConnections} clients (ab)`, head.requestsPerSec),
      { key: 'manifest.latency', label: 'manifest GET, 1 client, p50', unit: 'ms', better: 'lower', value: single.p50Ms, aggregate: 'median' },
    ];
  },
};
