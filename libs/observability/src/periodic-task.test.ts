import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from './logger.js';
import { runPeriodically } from './periodic-task.js';

const silent = createLogger({ level: 'silent' });

test('runs at once, then again after each run, never two at a time, and not after stop', async () => {
  let runs = 0;
  let concurrent = 0;
  let maxConcurrent = 0;
  const task = runPeriodically('probe', 5, async () => {
    runs += 1;
    concurrent += 1;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    await sleep(20);
    concurrent -= 1;
  }, silent);
  for (let i = 0; i < 200 && runs < 3; i++) await sleep(10);
  await task.stop();
  const stoppedAt = runs;
  await sleep(60);
  assert.ok(stoppedAt >= 3, `expected at least 3 runs within 2s, saw ${stoppedAt}`);
  assert.equal(maxConcurrent, 1, 'runs overlapped');
  assert.equal(runs, stoppedAt, 'a run started after stop()');
  assert.equal(concurrent, 0, 'stop() returned while a run was in progress');
});

test('a failing run is logged and the schedule goes on', async () => {
  let runs = 0;
  const lines: string[] = [];
  const log = createLogger({ level: 'warn', destination: { write: (line: string) => lines.push(line) } as unknown as NodeJS.WritableStream });
  const task = runPeriodically('flaky', 5, async () => {
    runs += 1;
    if (runs === 1) throw new Error('boom');
  }, log);
  for (let i = 0; i < 200 && runs < 2; i++) await sleep(10);
  await task.stop();
  assert.ok(runs >= 2, `the task ran ${runs} time(s) after failing once`);
  assert.match(lines.join(''), /flaky failed; next try in 0s/);
});
