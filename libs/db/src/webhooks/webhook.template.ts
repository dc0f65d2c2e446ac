import { imageReference, indexPlatforms, registryHost, type WebhookEvent } from './webhook-event.js';

/**
 * `{{name}}` placeholders in a subscription's URL, header values and body template. Substitution
 * is plain text replacement of known names — no expressions, loops or helpers, so a template can
 * never run code — and every value is escaped for where it lands:
 * - URL: percent-encoded (encodeURIComponent);
 * - header value: CR, LF and NUL become spaces (no header injection);
 * - body with a JSON Content-Type (application/json, *+json): JSON string escaping, so
 *   `"tag": "{{tag}}"` stays valid JSON whatever the tag;
 * - body with application/x-www-form-urlencoded: form-encoded;
 * - any other body: as is.
 * An unknown name is refused when the subscription is written, not when it is delivered.
 */
export const TEMPLATE_VARIABLES = [
  'repository',
  'tag',
  'digest',
  /** `<host>/<repository>:<tag>@<digest>`, leaving out what the event lacks. */
  'image',
  /** The tag when there is one, else the digest. */
  'reference',
  'action',
  'mediaType',
  'size',
  'actor',
  'eventId',
  'timestamp',
  /** The registry host clients used. */
  'host',
  /** registry:2's target.url. */
  'url',
  /** Platforms of an index, comma-separated (`linux/amd64,linux/arm64`). */
  'platforms',
  /** The subscription's name. */
  'subscription',
  /** The X-Wharf-Delivery id of this attempt. */
  'deliveryId',
  /** The subscription's secret, e.g. for `Authorization: Bearer {{secret}}`; masked in delivery logs. */
  'secret',
] as const;

export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateValues = Record<TemplateVariable, string>;
export type TemplateContext = 'url' | 'header' | 'json' | 'form' | 'text';

const KNOWN = new Set<string>(TEMPLATE_VARIABLES);
const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/y;

type Part = { literal: string } | { variable: TemplateVariable };

export type TemplateParse = { ok: true; template: WebhookTemplate } | { ok: false; message: string };

export class WebhookTemplate {
  private constructor(private readonly parts: readonly Part[]) {}

  static parse(text: string): TemplateParse {
    const parts: Part[] = [];
    let literal = '';
    let i = 0;
    while (i < text.length) {
      if (text.startsWith('{{', i)) {
        PLACEHOLDER.lastIndex = i;
        const match = PLACEHOLDER.exec(text);
        if (match === null) {
          return { ok: false, message: `malformed placeholder at offset ${i}: write {{name}} with one of ${TEMPLATE_VARIABLES.join(', ')}` };
        }
        const name = match[1]!;
        if (!KNOWN.has(name)) {
          return { ok: false, message: `unknown placeholder {{${name}}}; known: ${TEMPLATE_VARIABLES.join(', ')}` };
        }
        if (literal !== '') parts.push({ literal });
        literal = '';
        parts.push({ variable: name as TemplateVariable });
        i += match[0].length;
      } else {
        literal += text[i];
        i++;
      }
    }
    if (literal !== '') parts.push({ literal });
    return { ok: true, template: new WebhookTemplate(parts) };
  }

  /** Parses a template already validated when it was stored. */
  static of(text: string): WebhookTemplate {
    const parsed = WebhookTemplate.parse(text);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.template;
  }

  get variables(): TemplateVariable[] {
    return this.parts.flatMap((part) => ('variable' in part ? [part.variable] : []));
  }

  render(values: TemplateValues, context: TemplateContext): string {
    return this.parts.map((part) => ('literal' in part ? part.literal : escape(values[part.variable], context))).join('');
  }
}

/** Where a body template's substitutions land, from its Content-Type. */
export function bodyContext(contentType: string): TemplateContext {
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'application/json' || /^[a-z]+\/[a-z0-9.+-]*\+json$/.test(type)) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  return 'text';
}

function escape(value: string, context: TemplateContext): string {
  switch (context) {
    case 'url':
      return encodeURIComponent(value);
    case 'header':
      return value.replace(/[\r\n\0]/g, ' ');
    case 'json':
      return JSON.stringify(value).slice(1, -1);
    case 'form':
      return encodeURIComponent(value).replace(/%20/g, '+');
    case 'text':
      return value;
  }
}

/** The values an event gives each placeholder; what the event lacks is the empty string. */
export function templateValues(event: WebhookEvent, subscription: { name: string; secret: string }, deliveryId: string): TemplateValues {
  const t = event.target;
  return {
    repository: t.repository,
    tag: t.tag ?? '',
    digest: t.digest ?? '',
    image: imageReference(event),
    reference: t.tag ?? t.digest ?? '',
    action: event.action,
    mediaType: t.mediaType ?? '',
    size: t.size === undefined ? '' : String(t.size),
    actor: event.actor.name ?? '',
    eventId: event.id,
    timestamp: event.timestamp,
    host: registryHost(event),
    url: t.url ?? '',
    platforms: (indexPlatforms(event) ?? []).join(','),
    subscription: subscription.name,
    deliveryId,
    secret: subscription.secret,
  };
}

/** Values used to check a template when it is written: every placeholder filled, realistically. */
export const SAMPLE_TEMPLATE_VALUES: TemplateValues = {
  repository: 'team/app',
  tag: 'v1.2.3',
  digest: 'sha256:0000000000000000000000000000000000000000000000000000000000000000',
  image: 'registry.example.com/team/app:v1.2.3@sha256:0000000000000000000000000000000000000000000000000000000000000000',
  reference: 'v1.2.3',
  action: 'push',
  mediaType: 'application/vnd.oci.image.index.v1+json',
  size: '1234',
  actor: 'ci-bot',
  eventId: '00000000-0000-4000-8000-000000000000',
  timestamp: '2026-01-01T00:00:00.000Z',
  host: 'registry.example.com',
  url: 'https://registry.example.com/v2/team/app/manifests/sha256:0000000000000000000000000000000000000000000000000000000000000000',
  platforms: 'linux/amd64,linux/arm64',
  subscription: 'sample',
  deliveryId: '00000000-0000-4000-8000-000000000001',
  secret: 'sample-secret',
};
