import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '@wharf/config';
import { EventAction, type RegistryEvent } from '@wharf/events';
import { queueJobId } from './job-ids.js';
import { queueRoutes } from './queue-routes.js';

const BASE = 'version: 0.1\nstorage:\n  inmemory:\n';

function event(action: EventAction, mediaType?: string): RegistryEvent {
  return {
    id: 'e1',
    timestamp: new Date().toISOString(),
    action,
    target: { repository: 'r', ...(mediaType === undefined ? {} : { mediaType }) },
    request: { id: 'q', addr: 'a', host: 'h', method: 'GET', useragent: 'u' },
    actor: {},
    source: { addr: 'a', instanceID: 'i' },
  };
}

describe('queueRoutes', () => {
  test('internal consumers only with their store configured; disabled endpoints get no queue', () => {
    const config = parseConfig(
      `${BASE}elasticsearch:\n  urls: [http://localhost:9200]\nnotifications:\n  endpoints:\n    - {name: on, url: "http://a/"}\n    - {name: off, url: "http://b/", disabled: true}\n`,
      {},
    );
    assert.deepEqual(
      queueRoutes(config).map((r) => r.name),
      ['events.indexer', 'endpoint.on'],
    );
    const withDb = parseConfig(`${BASE}database:\n  url: postgres://u:p@localhost/db\n`, {});
    assert.deepEqual(
      queueRoutes(withDb).map((r) => r.name),
      ['events.counter', 'events.deployer'],
    );
  });

  test("an endpoint's ignore.mediatypes, ignoredmediatypes and ignore.actions drop events, as registry:2's ignoredSink", () => {
    const config = parseConfig(
      `${BASE}notifications:\n  endpoints:\n    - name: e\n      url: http://a/\n      ignoredmediatypes: [application/octet-stream]\n      ignore:\n        mediatypes: [application/vnd.oci.image.config.v1+json]\n        actions: [pull]\n`,
      {},
    );
    const [route] = queueRoutes(config);
    assert.equal(route!.accepts(event(EventAction.Push, 'application/vnd.oci.image.manifest.v1+json')), true);
    assert.equal(route!.accepts(event(EventAction.Push)), true, 'no media type is not an ignored one');
    assert.equal(route!.accepts(event(EventAction.Push, 'application/octet-stream')), false);
    assert.equal(route!.accepts(event(EventAction.Push, 'application/vnd.oci.image.config.v1+json')), false);
    assert.equal(route!.accepts(event(EventAction.Pull, 'application/vnd.oci.image.manifest.v1+json')), false);
  });

  test('job ids are the event job id in a form BullMQ accepts (no ":")', () => {
    assert.equal(queueJobId('abc', 'indexer'), 'abc.indexer');
    assert.equal(queueJobId('abc', 'endpoint.x', 'replay-1'), 'abc.endpoint.x.replay-1');
  });
});
