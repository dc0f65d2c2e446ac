import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobBatcher, type ItemOutcomes, type JobBatcherOptions } from './job-batcher.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** A batcher over a recording write that takes `ms` per batch. */
function recording(options: Partial<JobBatcherOptions> = {}, ms = 1, outcome: (n: number) => Error | undefined = () => undefined) {
  const batches: number[][] = [];
  const batcher = new JobBatcher<number>(
    async (items): Promise<ItemOutcomes> => {
      batches.push([...items]);
      await sleep(ms);
      return items.map(outcome);
    },
    { maxBatch: 10, lingerMs: 20, ...options },
  );
  return { batcher, batches };
}

describe('JobBatcher', () => {
  test('fills batches up to maxBatch and resolves each item once its batch is written', async () => {
    const { batcher, batches } = recording();
    await Promise.all(range(35).map((n) => batcher.add(n)));
    assert.deepEqual(batches.map((b) => b.length), [10, 10, 10, 5]);
    assert.deepEqual(batches.flat().sort((a, b) => a - b), range(35));
  });

  test('sends a partial batch once its first item has lingered', async () => {
    const { batcher, batches } = recording({ lingerMs: 30 });
    const started = Date.now();
    await batcher.add(1);
    const waited = Date.now() - started;
    assert.ok(waited >= 25 && waited < 500, `waited ${waited} ms`);
    assert.deepEqual(batches, [[1]]);
  });

  test('lingerMs 0 is a group commit: what arrives during a write goes together in the next one', async () => {
    const { batcher, batches } = recording({ lingerMs: 0, maxBatch: 100 }, 20);
    const first = batcher.add(0);
    await sleep(5);
    const rest = range(10).map((i) => batcher.add(i + 1));
    await Promise.all([first, ...rest]);
    assert.deepEqual(batches, [[0], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]);
  });

  test('never writes more than maxInFlight batches at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const batcher = new JobBatcher<number>(
      async () => {
        peak = Math.max(peak, ++inFlight);
        await sleep(5);
        inFlight--;
      },
      { maxBatch: 10, lingerMs: 20, maxInFlight: 2 },
    );
    await Promise.all(range(100).map((n) => batcher.add(n)));
    assert.equal(peak, 2);
  });

  test('fails only the items the write refused, each with its own reason', async () => {
    const { batcher } = recording({}, 1, (n) => (n === 3 ? new Error('mapper_parsing_exception') : undefined));
    const results = await Promise.allSettled(range(6).map((n) => batcher.add(n)));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    assert.match(((results[3] as PromiseRejectedResult).reason as Error).message, /mapper_parsing_exception/);
  });

  test('a batch that failed as a whole is written again item by item when isolatable: only the bad item fails', async () => {
    const batcher = new JobBatcher<number>(
      async (items) => {
        if (items.includes(3)) throw new Error('bad item');
      },
      { maxBatch: 10, lingerMs: 0, isolate: () => true },
    );
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.add(n)));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  });

  test('a failure that is not isolatable fails every item of the batch with it, and nothing is retried', async () => {
    let writes = 0;
    const down = new Error('connection refused');
    const batcher = new JobBatcher<number>(
      async () => {
        writes++;
        throw down;
      },
      { maxBatch: 10, lingerMs: 0, isolate: () => false },
    );
    const results = await Promise.allSettled([1, 2].map((n) => batcher.add(n)));
    assert.deepEqual(results.map((r) => (r.status === 'rejected' ? r.reason : r.status)), [down, down]);
    assert.equal(writes, 1);
  });

  test('close() writes what is pending without lingering and resolves once it is written', async () => {
    const { batcher, batches } = recording({ lingerMs: 60_000 });
    const added = Promise.all(range(3).map((n) => batcher.add(n)));
    const closing = Date.now();
    await batcher.close();
    assert.ok(Date.now() - closing < 1_000);
    await added;
    assert.deepEqual(batches, [[0, 1, 2]]);
  });
});
