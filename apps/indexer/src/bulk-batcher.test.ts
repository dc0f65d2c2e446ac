import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BulkItemOutcome } from '@wharf/search';
import { BulkBatcher, type BulkBatcherOptions, type BulkSink } from './bulk-batcher.js';
import { BulkItemError } from './bulk-item.error.js';

class Unavailable extends Error {}

/** An in-memory sink standing in for Elasticsearch: records batches, can be "down", can refuse items. */
class RecordingSink implements BulkSink<number> {
  readonly batches: number[][] = [];
  down = false;
  refuse = new Map<number, BulkItemOutcome>();
  attempts = 0;

  async write(items: readonly number[]): Promise<BulkItemOutcome[]> {
    this.attempts++;
    await sleep(1);
    if (this.down) throw new Unavailable('connection refused');
    this.batches.push([...items]);
    return items.map((n) => this.refuse.get(n) ?? { ok: true });
  }
}

const options = (extra: Partial<BulkBatcherOptions> = {}): BulkBatcherOptions => ({
  maxBatch: 10,
  lingerMs: 20,
  maxInFlight: 2,
  retryInitialMs: 5,
  retryMaxMs: 20,
  isRetryable: (err) => err instanceof Unavailable,
  ...extra,
});

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('BulkBatcher', () => {
  it('fills batches up to maxBatch and resolves each item once its batch is written', async () => {
    const sink = new RecordingSink();
    const batcher = new BulkBatcher(sink, options());
    await Promise.all(range(35).map((n) => batcher.add(n)));
    assert.deepEqual(sink.batches.map((b) => b.length), [10, 10, 10, 5]);
    assert.deepEqual(sink.batches.flat().sort((a, b) => a - b), range(35));
  });

  it('sends a partial batch once its first item has lingered', async () => {
    const sink = new RecordingSink();
    const batcher = new BulkBatcher(sink, options({ lingerMs: 30 }));
    const started = Date.now();
    await batcher.add(1);
    const waited = Date.now() - started;
    assert.ok(waited >= 25 && waited < 500, `waited ${waited} ms`);
    assert.deepEqual(sink.batches, [[1]]);
  });

  it('never has more than maxInFlight requests at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const batcher = new BulkBatcher<number>(
      {
        async write(items) {
          peak = Math.max(peak, ++inFlight);
          await sleep(5);
          inFlight--;
          return items.map(() => ({ ok: true }));
        },
      },
      options({ maxInFlight: 2 }),
    );
    await Promise.all(range(100).map((n) => batcher.add(n)));
    assert.equal(peak, 2);
  });

  it('fails only the refused items: permanent for a mapping error, retryable otherwise', async () => {
    const sink = new RecordingSink();
    sink.refuse.set(3, { ok: false, permanent: true, reason: 'mapper_parsing_exception' });
    sink.refuse.set(4, { ok: false, permanent: false, reason: 'es_rejected_execution_exception' });
    const batcher = new BulkBatcher(sink, options());
    const results = await Promise.allSettled(range(6).map((n) => batcher.add(n)));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
    const [permanent, transient] = [results[3], results[4]] as PromiseRejectedResult[];
    assert.ok(permanent.reason instanceof BulkItemError && permanent.reason.permanent);
    assert.ok(transient.reason instanceof BulkItemError && !transient.reason.permanent);
  });

  it('holds the batch through an outage and writes it when the sink is back', async () => {
    const sink = new RecordingSink();
    sink.down = true;
    const retries: number[] = [];
    const batcher = new BulkBatcher(sink, options({ onRetry: (_e, attempt) => retries.push(attempt) }));
    const written = Promise.all(range(5).map((n) => batcher.add(n)));
    await sleep(150);
    assert.ok(sink.attempts >= 3, `attempts ${sink.attempts}`);
    sink.down = false;
    await written;
    assert.deepEqual(sink.batches, [range(5)]);
    assert.ok(retries.length >= 3);
  });

  it('fails a request error that is not an outage at once, as retryable', async () => {
    const batcher = new BulkBatcher<number>(
      {
        async write() {
          throw new Error('400 malformed bulk');
        },
      },
      options(),
    );
    await assert.rejects(batcher.add(1), (err: unknown) => err instanceof BulkItemError && !err.permanent);
  });

  it('on drain stops holding: held and pending items fail as retryable, and close() resolves', async () => {
    const sink = new RecordingSink();
    sink.down = true;
    const batcher = new BulkBatcher(sink, options({ retryInitialMs: 10_000, retryMaxMs: 10_000 }));
    const results = Promise.allSettled(range(25).map((n) => batcher.add(n)));
    await sleep(50);
    const closing = Date.now();
    await batcher.close();
    assert.ok(Date.now() - closing < 1_000);
    const settled = await results;
    assert.ok(settled.every((r) => r.status === 'rejected' && r.reason instanceof BulkItemError && !r.reason.permanent));
  });
});
