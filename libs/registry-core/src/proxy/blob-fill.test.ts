import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Readable } from 'node:stream';
import { BlobFill } from './blob-fill.js';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('BlobFill', () => {
  test('readers that join late get every byte while the start is retained; the last chunk waits for finish', async () => {
    const fill = new BlobFill(9, 5);
    const early = fill.attach()!;
    const earlyBytes = collect(early);
    await fill.push(Buffer.from('abc'));
    const late = fill.attach()!;
    const lateBytes = collect(late);
    await fill.push(Buffer.from('def'));
    await fill.push(Buffer.from('ghi'));
    assert.equal(fill.attach(), undefined, 'past retainBytes the start is gone: later readers read storage');
    let ended = false;
    early.once('end', () => (ended = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(ended, false, 'no reader ends before the blob is verified');
    fill.verified();
    assert.equal(fill.attach(), undefined, 'once released, late readers wait for storage');
    assert.equal((await earlyBytes).toString(), 'abcdefghi');
    assert.equal((await lateBytes).toString(), 'abcdefghi');
    fill.finish();
    await fill.done;
  });

  test('a failed fill cuts every reader before its last chunk and rejects done', async () => {
    const fill = new BlobFill(6, 1024);
    const reader = fill.attach()!;
    const received = collect(reader);
    await fill.push(Buffer.from('abc'));
    await fill.push(Buffer.from('def'));
    fill.fail(new Error('digest mismatch'));
    await assert.rejects(received, /digest mismatch/);
    await assert.rejects(fill.done, /digest mismatch/);
  });

  test('a reader that goes away does not hold the download up', async () => {
    const fill = new BlobFill(undefined, 0);
    const reader = fill.attach()!;
    reader.destroy();
    for (let i = 0; i < 64; i++) await fill.push(Buffer.alloc(64 * 1024));
    fill.finish();
    await fill.done;
  });
});
