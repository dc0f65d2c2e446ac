import { readFileSync } from 'node:fs';

/**
 * How much CPU other processes took while we measured. The machine is shared (2 cores), so a figure taken while
 * something else compiled is not comparable; the run reports it rather than pretending.
 *
 * /proc/stat and /proc/self/stat count in USER_HZ (100 per second on Linux). "Own" time is this process plus its
 * reaped children: wrk, ab and each server once stopped.
 */
const USER_HZ = 100;

export interface CpuSnapshot {
  at: number;
  busyTicks: number;
  stealTicks: number;
  ownTicks: number;
}

export function cpuSnapshot(): CpuSnapshot {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , , , steal = 0] = cpu;
  const self = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the parenthesised command: state is field 3, utime..cstime are fields 14..17.
  const fields = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
  const own = fields[11]! + fields[12]! + fields[13]! + fields[14]!;
  return { at: performance.now(), busyTicks: user + nice + system, stealTicks: steal, ownTicks: own };
}

export interface ForeignLoad {
  /** Average cores used by other processes (user + system time not ours). */
  foreignCores: number;
  /** Average cores stolen by the hypervisor. */
  stealCores: number;
}

export function loadBetween(before: CpuSnapshot, after: CpuSnapshot): ForeignLoad {
  const seconds = (after.at - before.at) / 1000;
  if (seconds <= 0) return { foreignCores: 0, stealCores: 0 };
  const foreign = after.busyTicks - before.busyTicks - (after.ownTicks - before.ownTicks);
  return {
    foreignCores: Math.max(0, foreign) / USER_HZ / seconds,
    stealCores: (after.stealTicks - before.stealTicks) / USER_HZ / seconds,
  };
}
