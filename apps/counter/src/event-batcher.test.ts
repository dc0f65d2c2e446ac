import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventBatcher } from './event-batcher.js';

describe('EventBatcher', () => {
  test('items submitted while a batch is written go together in the next one', async () => {
    const batches: number[][] = [];
    const batcher = new EventBatcher<number>(
      async (items) => {
        batches.push(items);
        await sleep(20);
      },
      { maxBatch: 100, isolate: () => false },
    );
    const first = batcher.submit(0);
    await sleep(5);
    const rest = Array.from({ length: 10 }, (_, i) => batcher.submit(i + 1));
    await Promise.all([first, ...rest]);
    assert.deepEqual(batches, [[0], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]);
  });

  test('batches are capped at maxBatch', async () => {
    const sizes: number[] = [];
    const batcher = new EventBatcher<number>(async (items) => void sizes.push(items.length), { maxBatch: 4, isolate: () => false });
    await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(i)));
    assert.deepEqual(sizes, [4, 4, 2]);
  });

  test('a failing batch is retried item by item when the error is isolatable: only the bad item fails', async () => {
    const batcher = new EventBatcher<number>(
      async (items) => {
        if (items.includes(3)) throw new Error('bad item');
      },
      { maxBatch: 10, isolate: () => true },
    );
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.submit(n)));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  });

  test('an error that is not isolatable fails the whole batch', async () => {
    const batcher = new EventBatcher<number>(
      async () => {
        throw new Error('down');
      },
      { maxBatch: 10, isolate: () => false },
    );
    const results = await Promise.allSettled([1, 2].map((n) => batcher.submit(n)));
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(batcher.size, 0);
  });
});
