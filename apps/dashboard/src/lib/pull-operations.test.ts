import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientIp, groupPulls, summarizePull, type CachedEvent } from './pull-operations.js';

let n = 0;
function pull(seconds: number, extra: { repository?: string; addr?: string; blob?: boolean; tag?: string; cache?: 'hit' | 'fill'; action?: 'pull' | 'push' } = {}): CachedEvent {
  return {
    id: `e${n++}`,
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, seconds)).toISOString(),
    action: extra.action ?? 'pull',
    target: {
      repository: extra.repository ?? 'library/app',
      mediaType: extra.blob ? 'application/octet-stream' : 'application/vnd.oci.image.manifest.v1+json',
      size: 100,
      ...(extra.tag ? { tag: extra.tag } : {}),
    },
    request: { addr: extra.addr ?? '10.0.0.1:50000', method: 'GET' },
    actor: {},
    ...(extra.cache ? { wharf: { cache: extra.cache, upstream: 'docker.io' } } : {}),
  };
}

describe('pull operations in the activity list', () => {
  test('a manifest and its blobs from one client within seconds are one row; other clients, repositories, new tags and pushes are not', () => {
    const events = [
      pull(30, { blob: true, addr: '10.0.0.1:50003', cache: 'fill' }),
      pull(29, { blob: true, addr: '10.0.0.1:50002', cache: 'hit' }),
      pull(28, { tag: 'v1', addr: '10.0.0.1:50001', cache: 'hit' }),
      pull(28, { blob: true, addr: '10.0.0.2:40000' }),
      pull(27, { repository: 'other/app' }),
      pull(10, { tag: 'v1' }),
      pull(9, { tag: 'v1' }),
      pull(8, { action: 'push' }),
    ];
    const rows = groupPulls(events);
    assert.deepEqual(rows.map((r) => (r.kind === 'pull' ? r.events.map((e) => e.id) : r.event.id)), [
      [events[0]!.id, events[1]!.id, events[2]!.id],
      events[3]!.id,
      events[4]!.id,
      events[5]!.id,
      events[6]!.id,
      events[7]!.id,
    ]);
    const first = rows[0]!;
    assert.ok(first.kind === 'pull');
    assert.deepEqual(summarizePull(first.events), { tag: 'v1', manifests: 1, blobs: 2, bytes: 300, hits: 2, fills: 1 });
  });

  test('client addresses without their port', () => {
    assert.equal(clientIp('10.0.0.1:5000'), '10.0.0.1');
    assert.equal(clientIp('[::1]:5000'), '::1');
    assert.equal(clientIp('10.0.0.1'), '10.0.0.1');
    assert.equal(clientIp(undefined), '');
  });
});
