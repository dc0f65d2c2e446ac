import { createHash, randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { MiB, mibPerSecond, secondsSince } from './stats.js';

/** The machine's own ceilings, measured in the same run, so the registry figures can be read against them. */
export interface MachineLimits {
  cpuModel: string;
  cores: number;
  node: string;
  kernel: string;
  probeBytes: number;
  sha256MiBps: number;
  diskWriteFdatasyncMiBps: number;
}

const block = 8 * MiB;

export async function measureMachine(scratchDir: string, probeBytes: number): Promise<MachineLimits> {
  const data = randomBytes(block);
  const rounds = Math.max(1, Math.round(probeBytes / block));

  let start = performance.now();
  const hash = createHash('sha256');
  for (let i = 0; i < rounds; i++) hash.update(data);
  hash.digest();
  const sha256MiBps = mibPerSecond(rounds * block, secondsSince(start));

  const path = join(scratchDir, 'disk-probe.bin');
  const file = await open(path, 'w');
  try {
    start = performance.now();
    for (let i = 0; i < rounds; i++) await file.write(data, 0, data.length);
    await file.datasync();
  } finally {
    await file.close();
  }
  const diskWriteFdatasyncMiBps = mibPerSecond(rounds * block, secondsSince(start));
  await rm(path, { force: true });

  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    kernel: release(),
    probeBytes: rounds * block,
    sha256MiBps,
    diskWriteFdatasyncMiBps,
  };
}
