import { readdirSync, readFileSync } from 'node:fs';

/**
 * Resident memory of a server's whole process tree (a wrapper script, cluster workers), read from /proc.
 * Figures are KiB as the kernel reports them.
 */
export interface TreeMemory {
  /** Sum of VmRSS now. */
  rssKiB: number;
  /** Sum of VmHWM (each process's own peak): an upper bound on the tree's peak. */
  hwmKiB: number;
  /** Processes in the tree (more than one: a wrapper or cluster workers; figures are sums). */
  processes: number;
}

function statusField(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match === null ? 0 : Number(match[1]);
}

function children(pid: number): number[] {
  const result: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return result;
  }
  for (const task of tasks) {
    try {
      const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (list !== '') result.push(...list.split(/\s+/).map(Number));
    } catch {
      // The thread exited between readdir and read.
    }
  }
  return result;
}

export function treeMemory(rootPid: number): TreeMemory {
  const total: TreeMemory = { rssKiB: 0, hwmKiB: 0, processes: 0 };
  const pending = [rootPid];
  const seen = new Set<number>();
  while (pending.length > 0) {
    const pid = pending.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      continue; // exited
    }
    total.rssKiB += statusField(status, 'VmRSS');
    total.hwmKiB += statusField(status, 'VmHWM');
    total.processes += 1;
    pending.push(...children(pid));
  }
  return total;
}

interface Window {
  peakKiB: number;
}

/**
 * Samples the tree's RSS on a timer. `track` reports the peak seen while an async task runs (sampled at its
 * start, its end and every tick in between).
 */
export class RssSampler {
  private readonly timer: NodeJS.Timeout;
  private readonly windows = new Set<Window>();
  private peak = 0;

  constructor(
    private readonly pid: number,
    intervalMs = 20,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Highest sampled RSS so far (KiB). */
  get peakKiB(): number {
    return this.peak;
  }

  async track<T>(task: () => Promise<T>): Promise<{ result: T; peakKiB: number }> {
    const window: Window = { peakKiB: 0 };
    this.windows.add(window);
    this.sample();
    try {
      const result = await task();
      this.sample();
      return { result, peakKiB: window.peakKiB };
    } finally {
      this.windows.delete(window);
    }
  }

  stop(): TreeMemory {
    clearInterval(this.timer);
    this.sample();
    return treeMemory(this.pid);
  }

  private sample(): void {
    const { rssKiB } = treeMemory(this.pid);
    if (rssKiB > this.peak) this.peak = rssKiB;
    for (const window of this.windows) if (rssKiB > window.peakKiB) window.peakKiB = rssKiB;
  }
}
