import { EVENTS_MEDIA_TYPE } from '@wharf/events';
import {
  bodyContext,
  imageReference,
  indexPlatforms,
  PING_ACTION,
  templateValues,
  WebhookTemplate,
  type WebhookEvent,
  type WebhookSubscriptionEntity,
} from '@wharf/db';
import { RenderError } from './render.error.js';
import type { OutboundRequest } from './webhook.transport.js';

const USER_AGENT = 'Wharf-Webhooks/0.1';
const JSON_TYPE = 'application/json';
const CLOUDEVENTS_TYPE = 'application/cloudevents+json; charset=utf-8';

type Subscription = Pick<WebhookSubscriptionEntity, 'name' | 'url' | 'secret' | 'format' | 'headers' | 'bodyTemplate' | 'contentType'>;

/**
 * Turns (subscription, event) into the request to send, signature aside: URL and header templates
 * filled in, the body in the subscription's payload format. Pure: no clock, no I/O.
 */
export class PayloadRenderer {
  render(subscription: Subscription, event: WebhookEvent, deliveryId: string): OutboundRequest {
    const values = templateValues(event, subscription, deliveryId);
    const url = WebhookTemplate.of(subscription.url).render(values, 'url');
    if (!isHttpUrl(url)) throw new RenderError(`the URL template rendered to something that is not an http(s) URL`);

    const { body, contentType } = this.body(subscription, event, values);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(subscription.headers)) headers[name.toLowerCase()] = WebhookTemplate.of(value).render(values, 'header');
    headers['content-type'] = contentType;
    headers['user-agent'] ??= USER_AGENT;
    headers['x-wharf-delivery'] = deliveryId;
    headers['x-wharf-event'] = event.action;
    headers['x-wharf-event-id'] = event.id;
    return { url, headers, body };
  }

  private body(subscription: Subscription, event: WebhookEvent, values: ReturnType<typeof templateValues>): { body: string; contentType: string } {
    switch (subscription.format) {
      case 'distribution':
        return { body: JSON.stringify({ events: [event] }), contentType: EVENTS_MEDIA_TYPE };
      case 'deploy':
        return { body: JSON.stringify(deployPayload(event)), contentType: JSON_TYPE };
      case 'cloudevents':
        return { body: JSON.stringify(cloudEvent(event)), contentType: CLOUDEVENTS_TYPE };
      case 'template': {
        const contentType = subscription.contentType ?? JSON_TYPE;
        const context = bodyContext(contentType);
        const body = WebhookTemplate.of(subscription.bodyTemplate ?? '').render(values, context);
        if (context === 'json') {
          try {
            JSON.parse(body);
          } catch (error) {
            throw new RenderError(`the body template rendered to invalid JSON for this event: ${(error as Error).message}`);
          }
        }
        return { body, contentType };
      }
    }
  }
}

/**
 * The compact payload deploy hooks want: the image by tag and digest (pin the digest, show the
 * tag), the platforms of an index when the event lists its children's platforms, who and when.
 * `pushedBy`/`pushedAt` are the event's actor and time whatever the action.
 */
function deployPayload(event: WebhookEvent): Record<string, unknown> {
  const t = event.target;
  return {
    image: imageReference(event),
    repository: t.repository,
    tag: t.tag,
    digest: t.digest,
    mediaType: t.mediaType,
    platforms: indexPlatforms(event),
    action: event.action,
    pushedBy: event.actor.name,
    pushedAt: event.timestamp,
    eventId: event.id,
  };
}

/** CloudEvents 1.0, structured JSON mode; `data` is the registry:2 event itself. */
function cloudEvent(event: WebhookEvent): Record<string, unknown> {
  const t = event.target;
  const reference = t.tag !== undefined ? `${t.repository}:${t.tag}` : t.digest !== undefined ? `${t.repository}@${t.digest}` : t.repository;
  return {
    specversion: '1.0',
    id: event.id,
    source: event.source.addr === '' ? '/wharf' : `wharf://${event.source.addr}`,
    type: event.action === PING_ACTION ? 'io.wharf.webhook.ping' : `io.wharf.registry.${event.action}`,
    subject: reference,
    time: event.timestamp,
    datacontenttype: JSON_TYPE,
    data: event,
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
