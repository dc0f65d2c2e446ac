import type { Profile } from '../options.js';
import type { RegistryClient } from '../registry-client.js';
import type { RunningServer } from '../servers.js';
import { MiB, mibPerSecond } from '../stats.js';

export type Better = 'higher' | 'lower';

/** One figure from one session; the runner aggregates repetitions (median, or max for peaks). */
export interface Measurement {
  key: string;
  label: string;
  unit: string;
  better: Better;
  value: number;
  aggregate: 'median' | 'max';
}

export interface WorkloadContext {
  client: RegistryClient;
  server: RunningServer;
  profile: Profile;
}

/** A workload runs against a freshly started server on an empty directory and returns its figures. */
export interface Workload {
  name: string;
  summary(profile: Profile): string;
  run(context: WorkloadContext): Promise<Measurement[]>;
}

export function sizeLabel(bytes: number): string {
  return bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / 1024} KiB`;
}

export function rate(key: string, label: string, mibPerSec: number): Measurement {
  return { key, label, unit: 'MiB/s', better: 'higher', value: mibPerSec, aggregate: 'median' };
}

export function throughput(key: string, label: string, bytes: number, seconds: number): Measurement {
  return rate(key, label, mibPerSecond(bytes, seconds));
}

export function peakRss(key: string, label: string, kib: number): Measurement {
  return { key, label, unit: 'MiB', better: 'lower', value: kib / 1024, aggregate: 'max' };
}
