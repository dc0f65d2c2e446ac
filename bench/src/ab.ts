import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BenchRequestError } from './registry-client.js';

const run = promisify(execFile);

/**
 * ApacheBench, for HEAD load: wrk 4.1 cannot drive HEAD (its parser waits for the body that Content-Length
 * announces, so no request ever completes). `ab -i -k` reads HEAD responses correctly over keep-alive.
 */
export interface AbOptions {
  url: string;
  headers: Record<string, string>;
  concurrency: number;
  durationSec: number;
}

export interface AbResult {
  requests: number;
  requestsPerSec: number;
}

/** Parses ab's report; any failed or non-2xx request fails the run. */
export function parseAb(output: string): AbResult {
  const rps = /Requests per second:\s+([\d.]+)/.exec(output);
  const complete = /Complete requests:\s+(\d+)/.exec(output);
  const failed = /Failed requests:\s+(\d+)/.exec(output);
  if (rps === null || complete === null || failed === null) throw new Error(`ab: cannot parse output:\n${output}`);
  const non2xx = /Non-2xx responses:\s+(\d+)/.exec(output);
  if (Number(failed[1]) > 0 || non2xx !== null) {
    throw new BenchRequestError(`ab: ${failed[1]} failed, ${non2xx?.[1] ?? 0} non-2xx responses:\n${output}`);
  }
  const requests = Number(complete[1]);
  if (requests === 0) throw new BenchRequestError(`ab: no request completed:\n${output}`);
  return { requests, requestsPerSec: Number(rps[1]) };
}

export async function runAbHead(options: AbOptions): Promise<AbResult> {
  const args = [
    '-q', '-k', '-i',
    '-c', String(options.concurrency),
    '-t', String(options.durationSec),
    '-n', '100000000', // after -t, so the time limit is what ends the run
    ...Object.entries(options.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    options.url,
  ];
  const { stdout } = await run('ab', args, { maxBuffer: 1 << 20 });
  return parseAb(stdout);
}
