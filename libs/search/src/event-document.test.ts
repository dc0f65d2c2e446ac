import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventAction, type RegistryEvent } from '@wharf/events';
import { parseClientIp, toEventDocument } from './event-document.js';
import { SearchError } from './search.error.js';

const event: RegistryEvent = {
  id: '4f0c2b7e-1b8a-4c61-9a52-8d6b0d8b1c11',
  timestamp: '2025-11-23T09:41:17.123456789Z',
  action: EventAction.Push,
  target: {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 1234,
    digest: 'sha256:4f5cab1200000000000000000000000000000000000000000000000000000000',
    length: 1234,
    repository: 'library/nginx',
    url: 'http://registry.local/v2/library/nginx/manifests/sha256:4f5c',
    tag: 'latest',
  },
  request: { id: 'req-1', addr: '10.1.2.3:51234', host: 'registry.local', method: 'PUT', useragent: 'docker/24.0.7 go/go1.20' },
  actor: { name: 'alice' },
  source: { addr: 'wharf-1:5000', instanceID: 'instance-1' },
};

describe('toEventDocument', () => {
  it('flattens the envelope into the mapped fields and keeps the envelope as received', () => {
    const doc = toEventDocument(event);
    assert.deepEqual(doc, {
      id: event.id,
      timestamp: event.timestamp,
      action: 'push',
      repository: 'library/nginx',
      tag: 'latest',
      digest: event.target.digest,
      mediaType: event.target.mediaType,
      url: event.target.url,
      size: 1234,
      actor: 'alice',
      clientAddr: '10.1.2.3:51234',
      clientIp: '10.1.2.3',
      userAgent: 'docker/24.0.7 go/go1.20',
      host: 'registry.local',
      method: 'PUT',
      requestId: 'req-1',
      sourceAddr: 'wharf-1:5000',
      sourceInstance: 'instance-1',
      event,
    });
  });

  it('maps the pull-through cache\'s field: hit or fill, and the upstream', () => {
    const pulled: RegistryEvent = { ...event, action: EventAction.Pull, wharf: { cache: 'fill', upstream: 'ghcr.io' } };
    const doc = toEventDocument(pulled);
    assert.equal(doc.cache, 'fill');
    assert.equal(doc.upstream, 'ghcr.io');
    assert.deepEqual(doc.event.wharf, { cache: 'fill', upstream: 'ghcr.io' });
    assert.equal(toEventDocument(event).cache, undefined);
  });

  it('leaves out what the event does not carry (anonymous actor, no tag, no parseable address)', () => {
    const doc = toEventDocument({
      ...event,
      target: { repository: 'a/b', digest: 'sha256:00', length: 7 },
      actor: {},
      request: { ...event.request, addr: 'unix-socket' },
    });
    assert.equal(doc.actor, undefined);
    assert.equal(doc.tag, undefined);
    assert.equal(doc.clientIp, undefined);
    assert.equal(doc.clientAddr, 'unix-socket');
    assert.equal(doc.size, 7, 'length stands in for a missing size');
  });

  it('refuses payloads that can never be indexed', () => {
    for (const bad of [
      { ...event, id: '' },
      { ...event, timestamp: 'yesterday' },
      { ...event, target: undefined },
      null,
    ]) {
      assert.throws(
        () => toEventDocument(bad as unknown as RegistryEvent),
        (err: unknown) => err instanceof SearchError && err.code === 'INVALID_EVENT',
      );
    }
  });
});

describe('parseClientIp', () => {
  const cases: [string, string | undefined][] = [
    ['10.1.2.3:51234', '10.1.2.3'],
    ['10.1.2.3', '10.1.2.3'],
    ['[::1]:5000', '::1'],
    ['[2001:db8::7]', '2001:db8::7'],
    ['2001:db8::7', '2001:db8::7'],
    ['fe80::1%eth0', 'fe80::1'],
    ['203.0.113.9, 10.0.0.1', '203.0.113.9'],
    ['', undefined],
    ['localhost:5000', undefined],
    ['999.1.1.1:80', undefined],
  ];
  for (const [addr, ip] of cases) {
    it(`${JSON.stringify(addr)} -> ${ip ?? 'none'}`, () => assert.equal(parseClientIp(addr), ip));
  }
});
