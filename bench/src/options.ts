import { MiB } from './stats.js';

/** Every size and count a run uses; `--quick` divides the sizes for a CI smoke run. */
export interface Profile {
  name: 'full' | 'quick';
  repetitions: number;
  smallBlobSize: number;
  smallBlobCount: number;
  mediumBlobSize: number;
  largeBlobSize: number;
  chunkedBlobSize: number;
  chunkSize: number;
  concurrentReaders: number;
  wrkSeconds: number;
  wrkWarmupSeconds: number;
  wrkConnections: number;
  wrkThreads: number;
  latencySeconds: number;
  tagCount: number;
  tagListRequests: number;
  smallImages: number;
  smallImageConcurrency: number;
  smallImageLayerSize: number;
  machineProbeSize: number;
  /** Notification pipeline: events in the throughput burst, its concurrent clients. */
  pipelineEvents: number;
  pipelineClients: number;
  /** Notification pipeline: paced manifest GETs per second and for how long, for the lag figures. */
  pipelineRate: number;
  pipelineLagSeconds: number;
  /** Dashboard: events bulk-indexed before measuring, cold page loads and searches timed. */
  dashboardEvents: number;
  dashboardLoads: number;
  dashboardSearches: number;
}

const full: Profile = {
  name: 'full',
  repetitions: 3,
  smallBlobSize: 1 * MiB,
  smallBlobCount: 64,
  mediumBlobSize: 64 * MiB,
  largeBlobSize: 512 * MiB,
  chunkedBlobSize: 256 * MiB,
  chunkSize: 8 * MiB,
  concurrentReaders: 8,
  wrkSeconds: 10,
  wrkWarmupSeconds: 2,
  wrkConnections: 32,
  wrkThreads: 2,
  latencySeconds: 5,
  tagCount: 1000,
  tagListRequests: 200,
  smallImages: 100,
  smallImageConcurrency: 16,
  smallImageLayerSize: 32 * 1024,
  machineProbeSize: 256 * MiB,
  pipelineEvents: 20_000,
  pipelineClients: 64,
  pipelineRate: 500,
  pipelineLagSeconds: 20,
  dashboardEvents: 100_000,
  dashboardLoads: 7,
  dashboardSearches: 15,
};

const quick: Profile = {
  ...full,
  name: 'quick',
  repetitions: 1,
  smallBlobCount: 16,
  mediumBlobSize: 8 * MiB,
  largeBlobSize: 64 * MiB,
  chunkedBlobSize: 32 * MiB,
  wrkSeconds: 3,
  wrkWarmupSeconds: 1,
  latencySeconds: 2,
  tagCount: 250,
  tagListRequests: 50,
  smallImages: 32,
  machineProbeSize: 64 * MiB,
  pipelineEvents: 3_000,
  pipelineLagSeconds: 5,
  dashboardEvents: 10_000,
  dashboardLoads: 3,
  dashboardSearches: 5,
};

export interface Options {
  profile: Profile;
  /** Workload names to run (all when empty). */
  only: string[];
  /** Run the reference in Wharf's place: validates the bench itself (ratios should be near 1). */
  selfCheck: boolean;
  outDir: string | undefined;
}

export const usage = `usage: npm run bench -- [--quick] [--reps N] [--only a,b] [--self-check] [--out DIR]
  --quick        smaller sizes, wrk 3 s, one repetition (CI smoke run)
  --reps N       repetitions per workload (median reported; order alternates)
  --only a,b     run only these workloads (see the list printed at start)
  --self-check   run the reference registry on both sides, to validate the benchmark
  --out DIR      where latest.md / latest.json go (default: <repo>/bench-results)`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseOptions(argv: readonly string[]): Options {
  let profile = full;
  let reps: number | undefined;
  const options: Options = { profile, only: [], selfCheck: false, outDir: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '--quick':
        profile = quick;
        break;
      case '--reps':
        reps = Number(value());
        if (!Number.isInteger(reps) || reps < 1) throw new UsageError('--reps needs a positive integer');
        break;
      case '--only':
        options.only = value().split(',').filter(Boolean);
        break;
      case '--self-check':
        options.selfCheck = true;
        break;
      case '--out':
        options.outDir = value();
        break;
      default:
        throw new UsageError(`unknown argument ${arg}`);
    }
  }
  options.profile = reps === undefined ? profile : { ...profile, repetitions: reps };
  return options;
}
