import { spawnSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { createTestBucket, S3_TEST_SERVER, type TestBucket } from '@wharf/storage-drivers/test-servers';
import type { Profile } from './options.js';
import type { ServerSpec } from './servers.js';
import { MiB } from './stats.js';
import { blobPull } from './workloads/blob-pull.js';
import { chunkedPush } from './workloads/chunked-push.js';
import { manifestRead } from './workloads/manifest-read.js';
import { monolithicPush } from './workloads/monolithic-push.js';
import type { Workload } from './workloads/workload.js';

/** A filesystem workload run on S3: its own name, and its figures keyed and labelled apart. */
function onS3(workload: Workload): Workload {
  return {
    name: `s3-${workload.name}`,
    summary: (p) => `S3: ${workload.summary(p)}`,
    async run(context) {
      const figures = await workload.run(context);
      return figures.map((f) => ({ ...f, key: `s3.${f.key}`, label: `S3: ${f.label}` }));
    },
  };
}

/** The object-storage section: pushes, a 1 MiB-chunked push, pulls with redirects off, manifest GETs. */
export const objectStorageWorkloads: Workload[] = [monolithicPush, chunkedPush, blobPull, manifestRead].map(onS3);

/** Sizes on S3: 64 and 512 MiB pushes (peak RSS on the large one), 1 MiB PATCHes, fewer small blobs. */
export function objectStorageProfile(profile: Profile): Profile {
  const quick = profile.name === 'quick';
  return {
    ...profile,
    smallBlobCount: 8,
    mediumBlobSize: quick ? 8 * MiB : 64 * MiB,
    largeBlobSize: quick ? 64 * MiB : 512 * MiB,
    chunkedBlobSize: quick ? 16 * MiB : 64 * MiB,
    chunkSize: MiB,
  };
}

/**
 * One S3 server (scripts/versitygw.sh's, started if it is not running and stopped again) and one
 * bucket for the section; each session gets its own root directory in it, emptied when it ends.
 */
export class ObjectStorageBench {
  private constructor(
    private readonly bucket: TestBucket,
    private readonly startedServer: boolean,
    private readonly repoRoot: string,
  ) {}

  static async open(repoRoot: string): Promise<ObjectStorageBench> {
    const started = versitygw(repoRoot, 'start');
    return new ObjectStorageBench(await createTestBucket('bench'), !/already running/.test(started), repoRoot);
  }

  /** A filesystem spec moved onto the bucket, both sides with the same S3 keys, redirects off. */
  spec(base: ServerSpec): ServerSpec {
    return {
      ...base,
      description: `${base.description}, s3 on versitygw`,
      // docker-registry's AWS SDK panics when AWS_CA_BUNDLE is set (ENVIRONMENT.md)
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'AWS_CA_BUNDLE')),
      config: (rootDirectory, addr) => {
        const config = base.config(rootDirectory, addr) as { storage: Record<string, unknown> };
        const { filesystem: _local, ...storage } = config.storage;
        return {
          ...config,
          storage: {
            ...storage,
            s3: {
              region: S3_TEST_SERVER.region,
              regionendpoint: S3_TEST_SERVER.endpoint,
              bucket: this.bucket.name,
              accesskey: S3_TEST_SERVER.accessKey,
              secretkey: S3_TEST_SERVER.secretKey,
              secure: false,
              rootdirectory: `/${sessionOf(rootDirectory)}`,
            },
            // the pull figures compare serving blobs, not redirecting them; both sides get the reference's cache
            redirect: { disable: true },
            cache: { blobdescriptor: 'inmemory' },
          },
        };
      },
      cleanup: async (rootDirectory) => {
        const prefix = `${sessionOf(rootDirectory)}/`;
        await this.bucket.deleteKeys((await this.bucket.contents()).keys.filter((k) => k.startsWith(prefix)));
      },
    };
  }

  async close(): Promise<void> {
    await this.bucket.remove();
    if (this.startedServer) versitygw(this.repoRoot, 'stop');
  }
}

/** The session folder's name (startServer puts the data folder inside it). */
function sessionOf(rootDirectory: string): string {
  return basename(dirname(rootDirectory));
}

function versitygw(repoRoot: string, command: 'start' | 'stop'): string {
  const out = spawnSync('bash', [join(repoRoot, 'scripts', 'versitygw.sh'), command], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`scripts/versitygw.sh ${command} failed: ${out.stderr || out.stdout}`);
  return out.stdout;
}
