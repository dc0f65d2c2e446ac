import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventAction, type RegistryEvent } from '@wharf/events';
import { CountingPolicy, globToRegExp } from './counting-policy.js';
import { addressWithoutPort, manifestKind } from './download-rule.js';
import { InvalidEventError } from './invalid-event.error.js';

const DEFAULTS = { countHead: false, excludeActors: [], excludeUserAgents: [] };

type EventOverrides = Omit<Partial<RegistryEvent>, 'target' | 'request'> & {
  target?: Partial<RegistryEvent['target']>;
  request?: Partial<RegistryEvent['request']>;
};

function event(overrides: EventOverrides = {}): RegistryEvent {
  const { target, request, ...rest } = overrides;
  return {
    id: 'e1',
    timestamp: '2025-03-04T05:06:07.123456789Z',
    action: EventAction.Pull,
    actor: {},
    source: { addr: 'r:5000', instanceID: 'i' },
    ...rest,
    target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:aa', repository: 'lib/app', tag: 'v1', ...target },
    request: { id: 'r1', addr: '10.1.2.3:51234', host: 'r:5000', method: 'GET', useragent: 'docker/27.0', ...request },
  };
}

describe('CountingPolicy', () => {
  test('a manifest GET by tag is a countable pull with client, tag and UTC day', () => {
    const request = new CountingPolicy(DEFAULTS).classify(event());
    assert.deepEqual(request, {
      eventId: 'e1',
      action: 'pull',
      repository: 'lib/app',
      client: '10.1.2.3 docker/27.0',
      kind: 'image',
      method: 'GET',
      digest: 'sha256:aa',
      tag: 'v1',
      occurredAt: new Date('2025-03-04T05:06:07.123Z'),
      day: '2025-03-04',
      hint: false,
    });
  });

  test('index media types, by digest, pushes', () => {
    const policy = new CountingPolicy(DEFAULTS);
    const index = policy.classify(event({ target: { mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', tag: undefined } }));
    assert.equal(index?.kind, 'index');
    assert.equal(index?.tag, '');
    assert.equal(policy.classify(event({ action: EventAction.Push, request: { method: 'PUT' } }))?.action, 'push');
  });

  test('blob GETs are recorded as blobs (never counted); blob HEADs, deletes and mounts are ignored', () => {
    const policy = new CountingPolicy(DEFAULTS);
    assert.equal(policy.classify(event({ target: { mediaType: 'application/octet-stream', tag: undefined } }))?.kind, 'blob');
    assert.equal(policy.classify(event({ target: { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' } }))?.kind, 'blob');
    assert.equal(policy.classify(event({ target: { mediaType: 'application/octet-stream' }, request: { method: 'HEAD' } })), undefined);
    assert.equal(policy.classify(event({ action: EventAction.Push, target: { mediaType: 'application/octet-stream' } })), undefined);
    assert.equal(policy.classify(event({ action: EventAction.Delete })), undefined);
    assert.equal(policy.classify(event({ action: EventAction.Mount })), undefined);
  });

  test('HEAD counts only with counthead; without, a HEAD by tag is a hint and a HEAD by digest nothing', () => {
    const head = event({ request: { method: 'HEAD' } });
    assert.equal(new CountingPolicy(DEFAULTS).classify(head)?.hint, true);
    assert.equal(new CountingPolicy(DEFAULTS).classify(event({ request: { method: 'HEAD' }, target: { tag: undefined } })), undefined);
    const counted = new CountingPolicy({ ...DEFAULTS, countHead: true }).classify(head);
    assert.equal(counted?.method, 'HEAD');
    assert.equal(counted?.hint, false);
  });

  test('excluded actors (names and globs) and user agents count nothing', () => {
    const policy = new CountingPolicy({ countHead: false, excludeActors: ['trivy', 'robot$*'], excludeUserAgents: ['^Harbor-', 'scanner'] });
    assert.equal(policy.classify(event({ actor: { name: 'trivy' } })), undefined);
    assert.equal(policy.classify(event({ actor: { name: 'robot$ci' } })), undefined);
    assert.notEqual(policy.classify(event({ actor: { name: 'trivy2' } })), undefined);
    assert.notEqual(policy.classify(event({ actor: { name: 'alice' } })), undefined);
    assert.equal(policy.classify(event({ request: { useragent: 'Harbor-replicator/2' } })), undefined);
    assert.equal(policy.classify(event({ request: { useragent: 'my scanner 1.0' } })), undefined);
    assert.notEqual(policy.classify(event({ request: { useragent: 'docker/27 Harbor-' } })), undefined);
  });

  test('a malformed event is refused as invalid, never silently counted', () => {
    const policy = new CountingPolicy(DEFAULTS);
    assert.throws(() => policy.classify(event({ id: '' })), InvalidEventError);
    assert.throws(() => policy.classify(event({ timestamp: 'yesterday' })), InvalidEventError);
    assert.throws(() => policy.classify({ id: 'x' } as unknown as RegistryEvent), InvalidEventError);
    assert.throws(() => policy.classify(null as unknown as RegistryEvent), InvalidEventError);
  });
});

describe('download rule helpers', () => {
  test('addresses lose their port, IPv4 and IPv6 alike', () => {
    assert.equal(addressWithoutPort('10.0.0.1:5000'), '10.0.0.1');
    assert.equal(addressWithoutPort('[::1]:5000'), '::1');
    assert.equal(addressWithoutPort('fe80::1'), 'fe80::1');
    assert.equal(addressWithoutPort('10.0.0.1'), '10.0.0.1');
  });

  test('manifest kinds ignore parameters and case', () => {
    assert.equal(manifestKind('application/vnd.oci.image.index.v1+json; charset=utf-8'), 'index');
    assert.equal(manifestKind('Application/VND.docker.distribution.manifest.v2+json'), 'image');
    assert.equal(manifestKind(undefined), undefined);
  });

  test('globs match whole names; other characters are literal', () => {
    assert.ok(globToRegExp('robot$*').test('robot$x'));
    assert.ok(!globToRegExp('robot$*').test('xrobot$x'));
    assert.ok(globToRegExp('mirror-?').test('mirror-1'));
    assert.ok(!globToRegExp('mirror-?').test('mirror-12'));
    assert.ok(!globToRegExp('a.b').test('axb'));
  });
});
