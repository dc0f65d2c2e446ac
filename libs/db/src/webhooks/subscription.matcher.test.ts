import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventAction, type RegistryEvent } from '@wharf/events';
import { compileActorGlob, compileRepositoryGlob, compileTagPattern } from './subscription-patterns.js';
import { SubscriptionMatcher, type SubscriptionFilters } from './subscription.matcher.js';
import { pingEvent } from './webhook-event.js';

function event(over: { action?: EventAction; repository?: string; tag?: string; actor?: string; mediaType?: string } = {}): RegistryEvent {
  return {
    id: 'e1',
    timestamp: '2026-01-01T00:00:00Z',
    action: over.action ?? EventAction.Push,
    target: {
      mediaType: over.mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
      repository: over.repository ?? 'team/api',
      digest: 'sha256:aa',
      ...(over.tag === undefined ? {} : { tag: over.tag }),
    },
    request: { id: 'r', addr: '', host: 'reg:5000', method: 'PUT', useragent: 'docker' },
    actor: over.actor === undefined ? {} : { name: over.actor },
    source: { addr: 'reg:5000', instanceID: 'i' },
  };
}

const ALL: SubscriptionFilters = { actions: ['push'], repository: null, tag: null, actor: null, includeBlobs: false };
const matcher = (f: Partial<SubscriptionFilters>) => SubscriptionMatcher.compile({ ...ALL, ...f });

describe('subscription patterns', () => {
  test('repository globs: * stays in one component, ** crosses, ? is one character', () => {
    const re = (p: string) => (compileRepositoryGlob(p) as { regex: RegExp }).regex;
    assert.ok(re('team/*').test('team/api'));
    assert.ok(!re('team/*').test('team/api/worker'));
    assert.ok(re('team/**').test('team/api/worker'));
    assert.ok(re('team/**/worker').test('team/worker'));
    assert.ok(re('team/**/worker').test('team/a/b/worker'));
    assert.ok(re('app-?').test('app-1'));
    assert.ok(!re('app-?').test('app-10'));
    assert.ok(re('a.b').test('a.b'));
    assert.ok(!re('a.b').test('axb'), 'a dot is literal');
    assert.ok(!re('team').test('team/api'), 'the whole name must match');
  });

  test('bad patterns are refused with a reason', () => {
    assert.match((compileRepositoryGlob('Team/*') as { message: string }).message, /lower-case/);
    assert.match((compileRepositoryGlob('a/***') as { message: string }).message, /stars/);
    assert.equal(compileRepositoryGlob('').ok, false);
    assert.match((compileTagPattern('/v(/') as { message: string }).message, /invalid regular expression/);
    assert.match((compileTagPattern('v 1') as { message: string }).message, /tag glob/);
    assert.equal(compileActorGlob('x'.repeat(300)).ok, false);
  });

  test('tag patterns: a glob over the whole tag, or /regex/', () => {
    const re = (p: string) => (compileTagPattern(p) as { regex: RegExp }).regex;
    assert.ok(re('v*').test('v1.2.3'));
    assert.ok(!re('v*').test('latest'));
    assert.ok(re('/^v\\d+\\.\\d+\\.\\d+$/').test('v1.2.3'));
    assert.ok(!re('/^v\\d+\\.\\d+\\.\\d+$/').test('v1.2.3-rc1'));
    assert.ok(re('/rc/').test('v1-rc2'), 'an unanchored regex matches anywhere');
  });
});

describe('SubscriptionMatcher', () => {
  test('actions: push only by default', () => {
    assert.ok(matcher({}).matches(event()));
    assert.ok(!matcher({}).matches(event({ action: EventAction.Pull })));
    assert.ok(matcher({ actions: ['push', 'delete'] }).matches(event({ action: EventAction.Delete })));
  });

  test('blob events only with includeBlobs', () => {
    const blob = event({ mediaType: 'application/octet-stream' });
    assert.ok(!matcher({}).matches(blob));
    assert.ok(matcher({ includeBlobs: true }).matches(blob));
  });

  test('repository, tag and actor filters must all hold', () => {
    const m = matcher({ repository: 'team/*', tag: 'v*', actor: 'ci-*' });
    assert.ok(m.matches(event({ tag: 'v1', actor: 'ci-bot' })));
    assert.ok(!m.matches(event({ repository: 'other/api', tag: 'v1', actor: 'ci-bot' })));
    assert.ok(!m.matches(event({ tag: 'latest', actor: 'ci-bot' })));
    assert.ok(!m.matches(event({ tag: 'v1', actor: 'alice' })));
    assert.ok(!m.matches(event({ tag: 'v1' })), 'anonymous never matches an actor filter');
    assert.ok(!m.matches(event({ actor: 'ci-bot' })), 'untagged never matches a tag filter');
  });

  test('a ping matches whatever the filters', () => {
    assert.ok(matcher({ repository: 'nothing', tag: 'x', actor: 'y' }).matches(pingEvent(undefined, { addr: 'h', instanceID: 'i' })));
  });
});
