import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WebhookEvent, WebhookSubscriptionEntity } from '@wharf/db';
import { EventAction } from '@wharf/events';
import { PayloadRenderer } from './payload.renderer.js';
import { RenderError } from './render.error.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const DIGEST = `sha256:${'a'.repeat(64)}`;

function indexPush(): WebhookEvent {
  return {
    id: 'evt-1',
    timestamp: '2026-01-02T03:04:05.678Z',
    action: EventAction.Push,
    target: {
      mediaType: INDEX,
      size: 500,
      digest: DIGEST,
      length: 500,
      repository: 'team/app',
      url: `http://reg.local:5000/v2/team/app/manifests/${DIGEST}`,
      tag: 'v1.2.3',
      references: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1, digest: 'sha256:1', platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1, digest: 'sha256:2', platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1, digest: 'sha256:3', platform: { os: 'unknown', architecture: 'unknown' } },
      ] as never,
    },
    request: { id: 'req', addr: '10.0.0.1:1234', host: 'reg.local:5000', method: 'PUT', useragent: 'buildx' },
    actor: { name: 'ci-bot' },
    source: { addr: 'reg-host:5000', instanceID: 'inst' },
  };
}

function subscription(over: Partial<WebhookSubscriptionEntity> = {}) {
  return { name: 'hook', url: 'https://ci.example/hook', secret: 's3cr3t-s3cr3t-s3cr3t', format: 'deploy' as const, headers: {}, bodyTemplate: null, contentType: null, ...over };
}

const renderer = new PayloadRenderer();

describe('PayloadRenderer', () => {
  test('distribution: the registry:2 envelope with its media type', () => {
    const r = renderer.render(subscription({ format: 'distribution' }), indexPush(), 'd1');
    assert.equal(r.headers['content-type'], 'application/vnd.docker.distribution.events.v1+json');
    assert.deepEqual(JSON.parse(r.body), { events: [indexPush()] });
  });

  test('deploy: image by tag and digest, platforms of the index without attestations', () => {
    const r = renderer.render(subscription({ format: 'deploy' }), indexPush(), 'd1');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(r.body), {
      image: `reg.local:5000/team/app:v1.2.3@${DIGEST}`,
      repository: 'team/app',
      tag: 'v1.2.3',
      digest: DIGEST,
      mediaType: INDEX,
      platforms: ['linux/amd64', 'linux/arm/v7'],
      action: EventAction.Push,
      pushedBy: 'ci-bot',
      pushedAt: '2026-01-02T03:04:05.678Z',
      eventId: 'evt-1',
    });
  });

  test('deploy: no platforms key when the event does not list them', () => {
    const e = indexPush();
    delete e.target.references;
    assert.ok(!('platforms' in JSON.parse(renderer.render(subscription(), e, 'd1').body)));
  });

  test('cloudevents: structured mode, typed by action, the event as data', () => {
    const r = renderer.render(subscription({ format: 'cloudevents' }), indexPush(), 'd1');
    assert.equal(r.headers['content-type'], 'application/cloudevents+json; charset=utf-8');
    const ce = JSON.parse(r.body);
    assert.equal(ce.specversion, '1.0');
    assert.equal(ce.id, 'evt-1');
    assert.equal(ce.type, 'io.wharf.registry.push');
    assert.equal(ce.source, 'wharf://reg-host:5000');
    assert.equal(ce.subject, 'team/app:v1.2.3');
    assert.equal(ce.time, '2026-01-02T03:04:05.678Z');
    assert.equal(ce.datacontenttype, 'application/json');
    assert.deepEqual(ce.data, indexPush());
  });

  test('template: a GitHub repository_dispatch call with the token as {{secret}}', () => {
    const r = renderer.render(
      subscription({
        format: 'template',
        url: 'https://api.github.com/repos/acme/deploy/dispatches',
        headers: { Authorization: 'Bearer {{secret}}', Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' },
        bodyTemplate: '{"event_type":"wharf-push","client_payload":{"image":"{{image}}","tag":"{{tag}}","digest":"{{digest}}","platforms":"{{platforms}}"}}',
      }),
      indexPush(),
      'd1',
    );
    assert.equal(r.url, 'https://api.github.com/repos/acme/deploy/dispatches');
    assert.equal(r.headers['authorization'], 'Bearer s3cr3t-s3cr3t-s3cr3t');
    assert.equal(r.headers['accept'], 'application/vnd.github+json');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(r.body), {
      event_type: 'wharf-push',
      client_payload: { image: `reg.local:5000/team/app:v1.2.3@${DIGEST}`, tag: 'v1.2.3', digest: DIGEST, platforms: 'linux/amd64,linux/arm/v7' },
    });
  });

  test('template: URL placeholders are percent-encoded; a form body is form-encoded', () => {
    const e = indexPush();
    e.target.tag = 'a&b c';
    const r = renderer.render(
      subscription({ format: 'template', url: 'https://gitlab.example/api/v4/projects/7/trigger/pipeline?ref={{tag}}', bodyTemplate: 'token={{secret}}&variables[IMAGE]={{image}}', contentType: 'application/x-www-form-urlencoded' }),
      e,
      'd1',
    );
    assert.equal(r.url, 'https://gitlab.example/api/v4/projects/7/trigger/pipeline?ref=a%26b%20c');
    assert.equal(new URLSearchParams(r.body).get('variables[IMAGE]'), `reg.local:5000/team/app:a&b c@${DIGEST}`);
  });

  test('template: a body that renders to invalid JSON is a RenderError, not a bad request sent', () => {
    const e = indexPush();
    delete e.target.size;
    assert.throws(() => renderer.render(subscription({ format: 'template', bodyTemplate: '{"size": {{size}}}' }), e, 'd1'), RenderError);
  });

  test('every format carries the delivery and event headers; subscription headers cannot replace them', () => {
    const r = renderer.render(subscription({ headers: { 'X-Team': '{{repository}}' } }), indexPush(), 'd-42');
    assert.equal(r.headers['x-wharf-delivery'], 'd-42');
    assert.equal(r.headers['x-wharf-event'], 'push');
    assert.equal(r.headers['x-wharf-event-id'], 'evt-1');
    assert.equal(r.headers['x-team'], 'team/app');
    assert.match(r.headers['user-agent']!, /^Wharf-Webhooks\//);
  });
});
