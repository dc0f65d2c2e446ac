import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BenchRequestError } from './registry-client.js';

const run = promisify(execFile);

export interface WrkOptions {
  url: string;
  headers: Record<string, string>;
  connections: number;
  threads: number;
  durationSec: number;
}

export interface WrkResult {
  requests: number;
  requestsPerSec: number;
  /** Bytes read, headers included (wrk rounds to 2 decimals of its unit). */
  bytesRead: number;
  /** Median latency from wrk's --latency distribution. */
  p50Ms: number;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  switch (unit) {
    case 'us':
      return n / 1000;
    case 'ms':
      return n;
    case 's':
      return n * 1000;
    case 'm':
      return n * 60_000;
    default:
      throw new Error(`wrk: unknown latency unit ${unit}`);
  }
}

/** Parses wrk's text report; any non-2xx/3xx response or socket error fails the run. */
export function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const total = /(\d+) requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB|TB) read/.exec(output);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output);
  if (rps === null || total === null || p50 === null) throw new Error(`wrk: cannot parse output:\n${output}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  if (non2xx !== null) throw new BenchRequestError(`wrk: ${non2xx[1]} non-2xx/3xx responses:\n${output}`);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  if (socketErrors !== null && socketErrors.slice(1).some((n) => Number(n) > 0)) {
    throw new BenchRequestError(`wrk: socket errors:\n${output}`);
  }
  const requests = Number(total[1]);
  if (requests === 0) throw new BenchRequestError(`wrk: no request completed:\n${output}`);
  const unit = 1024 ** ['B', 'KB', 'MB', 'GB', 'TB'].indexOf(total[3]!);
  return { requests, requestsPerSec: Number(rps[1]), bytesRead: Number(total[2]) * unit, p50Ms: toMs(p50[1]!, p50[2]!) };
}

/** GET load (wrk's default method; see ab.ts for HEAD). */
export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const args = [
    '-c', String(options.connections),
    '-t', String(options.threads),
    '-d', `${options.durationSec}s`,
    '--latency',
    ...Object.entries(options.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    options.url,
  ];
  const { stdout } = await run('wrk', args, { maxBuffer: 1 << 20 });
  return parseWrk(stdout);
}
