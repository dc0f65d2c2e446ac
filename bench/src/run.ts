/**
 * npm run bench: Wharf against the reference registry (CNCF distribution), same machine, same run.
 *
 * Each workload runs against a freshly started server on an empty directory, one server at a time (the machine
 * has 2 cores), the reference and Wharf in alternating order per repetition. Any failed request or server start
 * aborts the run with a non-zero exit: figures from errors are worthless.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureMachine } from './machine.js';
import { busyMachineCores, reportNotes } from './notes.js';
import { parseOptions, usage, UsageError, type Options } from './options.js';
import { Results, writeReport, type Session } from './report.js';
import { ObjectStorageBench, objectStorageProfile, objectStorageWorkloads } from './object-storage.js';
import { killAllServers, referenceSpec, wharfSpec, type ServerSpec } from './servers.js';
import { runSession } from './session.js';
import { authCost } from './workloads/auth.js';
import { blobPull } from './workloads/blob-pull.js';
import { chunkedPush } from './workloads/chunked-push.js';
import { manifestRead } from './workloads/manifest-read.js';
import { monolithicPush } from './workloads/monolithic-push.js';
import { dashboardSummary, dashboardWorkloadName, runDashboard } from './workloads/dashboard.js';
import { mirrorSummary, mirrorWorkloadName, runMirror } from './workloads/mirror.js';
import { pipelineSummary, pipelineWorkloadName, runPipeline, type PipelineFigure } from './workloads/pipeline.js';
import { smallImages } from './workloads/small-images.js';
import { tagsList } from './workloads/tags-list.js';
import { sizeLabel, type Workload } from './workloads/workload.js';

const workloads: Workload[] = [monolithicPush, chunkedPush, blobPull, manifestRead, tagsList, smallImages, authCost];

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Scratch space for server data; removed on every exit path. */
let workRoot: string | undefined;

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function cleanUp(): void {
  killAllServers();
  if (workRoot !== undefined) rmSync(workRoot, { recursive: true, force: true });
}

async function main(options: Options): Promise<void> {
  const selected = options.only.length === 0 ? workloads : workloads.filter((w) => options.only.includes(w.name));
  const selectedS3 = options.only.length === 0 ? objectStorageWorkloads : objectStorageWorkloads.filter((w) => options.only.includes(w.name));
  // The notification pipeline is Wharf only (the reference has none): its own loop and its own table section.
  const runPipelineWorkload = (options.only.length === 0 || options.only.includes(pipelineWorkloadName)) && !options.selfCheck;
  const runDashboardWorkload = (options.only.length === 0 || options.only.includes(dashboardWorkloadName)) && !options.selfCheck;
  const runMirrorWorkload = options.only.length === 0 || options.only.includes(mirrorWorkloadName);
  const known = [...workloads.map((w) => w.name), ...objectStorageWorkloads.map((w) => w.name), pipelineWorkloadName, dashboardWorkloadName, mirrorWorkloadName];
  const unknown = options.only.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(`unknown workload(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  }
  const reference = referenceSpec(repoRoot);
  const wharf: ServerSpec = options.selfCheck
    ? { ...reference, side: 'wharf', description: `${reference.description} (self-check stand-in)` }
    : wharfSpec(repoRoot);
  const profile = options.profile;
  const startedAt = new Date().toISOString();
  workRoot = mkdtempSync(join(tmpdir(), 'wharf-bench-'));
  log(`wharf bench (${profile.name}, ${profile.repetitions} repetition(s)); scratch ${workRoot}`);

  const machine = await measureMachine(workRoot, profile.machineProbeSize);
  log(
    `machine: sha256 ${machine.sha256MiBps.toFixed(0)} MiB/s, ` +
      `write+fdatasync ${machine.diskWriteFdatasyncMiBps.toFixed(0)} MiB/s (${sizeLabel(machine.probeBytes)})`,
  );

  const results = new Results();
  const sessions: Session[] = [];
  const runWorkloads = async (list: Workload[], specs: [ServerSpec, ServerSpec], workloadProfile: typeof profile): Promise<void> => {
    for (const workload of list) {
      log(`${workload.name}: ${workload.summary(workloadProfile)}`);
      for (let rep = 0; rep < profile.repetitions; rep++) {
        const order = rep % 2 === 0 ? specs : [specs[1], specs[0]];
        for (const spec of order) {
          const dir = join(workRoot!, `${workload.name}-${rep}-${spec.side}`);
          const session = await runSession(spec, workload, rep, workloadProfile, dir, results);
          sessions.push(session);
          const busy = session.foreignCores > busyMachineCores;
          log(
            `  ${spec.side.padEnd(9)} ${session.seconds.toFixed(1)} s` +
              (busy ? `  (other processes used ${session.foreignCores.toFixed(2)} cores)` : ''),
          );
        }
      }
    }
  };
  await runWorkloads(selected, [reference, wharf], profile);
  if (selectedS3.length > 0) {
    // Object storage: both registries on the same S3 server (versitygw), each session in its own root directory.
    const s3 = await ObjectStorageBench.open(repoRoot);
    try {
      await runWorkloads(selectedS3, [s3.spec(reference), s3.spec(wharf)], objectStorageProfile(profile));
    } finally {
      await s3.close();
    }
  }

  let mirror: PipelineFigure[] = [];
  if (runMirrorWorkload) {
    log(mirrorSummary(profile));
    mirror = await runMirror({ workRoot, profile, reference, wharf, log });
  }
  let pipeline: PipelineFigure[] = [];
  if (runPipelineWorkload) {
    log(`${pipelineWorkloadName}: ${pipelineSummary(profile)}`);
    pipeline = await runPipeline({ repoRoot, workRoot, profile, wharf, log });
  }
  let dashboard: PipelineFigure[] = [];
  if (runDashboardWorkload) {
    log(`${dashboardWorkloadName}: ${dashboardSummary(profile)}`);
    dashboard = await runDashboard({ repoRoot, workRoot, profile, log });
  }

  const { markdown, paths } = writeReport(
    {
      startedAt,
      finishedAt: new Date().toISOString(),
      profile,
      selfCheck: options.selfCheck,
      servers: { reference: reference.description, wharf: wharf.description },
      machine,
      figures: results.all(),
      pipeline,
      dashboard,
      mirror,
      sessions,
      notes: reportNotes(results, sessions),
    },
    options.outDir ?? join(repoRoot, 'bench-results'),
  );
  process.stdout.write(markdown);
  log(`written: ${paths.join(', ')}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`bench interrupted (${signal})`);
    cleanUp();
    process.exit(130);
  });
}

let exitCode = 0;
try {
  await main(parseOptions(process.argv.slice(2)));
} catch (error) {
  if (error instanceof UsageError) {
    log(`${error.message}\n${usage}`);
    exitCode = 2;
  } else {
    log(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    exitCode = 1;
  }
} finally {
  cleanUp();
}
process.exit(exitCode);
