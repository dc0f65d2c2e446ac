import { z } from 'zod';
import {
  bodyContext,
  compileActorGlob,
  compileRepositoryGlob,
  compileTagPattern,
  FILTER_ACTIONS,
  PAYLOAD_FORMATS,
  SAMPLE_TEMPLATE_VALUES,
  WebhookTemplate,
  type PatternCheck,
} from '@wharf/db';

/*
 * Request shapes of the webhooks API. Strict objects: an unknown or misspelt key is a 400. Every
 * pattern and template is compiled here, so what is stored always works in the deployer.
 */

export const MAX_DELIVERY_PAGE = 100;
const DEFAULT_DELIVERY_PAGE = 20;
const MAX_HEADERS = 32;
const MAX_BODY_TEMPLATE = 64 * 1024;

/** Headers Wharf sets itself (or HTTP owns): a subscription cannot set them. */
const RESERVED_HEADER = /^(content-type|content-length|host|transfer-encoding|connection|x-wharf-.*)$/i;
/** What GET shows for a credential header; never valid input. */
export const MASKED = '[masked]';
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

const pattern = (compile: (p: string) => PatternCheck) =>
  z
    .string()
    .nullable()
    .superRefine((value, ctx) => {
      if (value === null) return;
      const check = compile(value);
      if (!check.ok) ctx.addIssue({ code: 'custom', message: check.message });
    });

const filters = z.strictObject({
  actions: z
    .array(z.enum(FILTER_ACTIONS, { error: `each action must be one of ${FILTER_ACTIONS.join(', ')}` }))
    .min(1, 'name at least one action')
    .max(FILTER_ACTIONS.length)
    .transform((actions) => [...new Set(actions)])
    .optional(),
  repository: pattern(compileRepositoryGlob).optional().describe('Glob over the repository: * within a path component, ** across, ? one character'),
  tag: pattern(compileTagPattern).optional().describe('Glob over the tag (v*), or a regular expression between slashes (/^v\\d+$/)'),
  actor: pattern(compileActorGlob).optional().describe('Glob over the actor name'),
  includeBlobs: z.boolean().optional().describe('Also deliver blob (layer) events; default false'),
});

const urlTemplate = z
  .string()
  .max(2048)
  .superRefine((value, ctx) => {
    const parsed = WebhookTemplate.parse(value);
    if (!parsed.ok) return void ctx.addIssue({ code: 'custom', message: parsed.message });
    if (!isHttpUrl(parsed.template.render(SAMPLE_TEMPLATE_VALUES, 'url'))) {
      ctx.addIssue({ code: 'custom', message: 'expected an absolute http:// or https:// URL' });
    }
  })
  .describe('http(s) URL; may contain {{placeholders}} (URL-encoded), e.g. a token as {{secret}}');

const headers = z
  .record(z.string(), z.string().max(8192))
  .superRefine((value, ctx) => {
    const names = Object.keys(value);
    if (names.length > MAX_HEADERS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_HEADERS} headers` });
    const seen = new Set<string>();
    for (const name of names) {
      if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'not a valid HTTP header name' });
      else if (RESERVED_HEADER.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'set by Wharf; a subscription cannot set it' });
      if (seen.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [name], message: 'given twice (header names ignore case)' });
      seen.add(name.toLowerCase());
      const header = value[name]!;
      if (header === MASKED) ctx.addIssue({ code: 'custom', path: [name], message: 'is the masked value the API shows; send the real value, or leave headers out to keep them' });
      if (/[\r\n\0]/.test(header)) ctx.addIssue({ code: 'custom', path: [name], message: 'a header value cannot contain CR, LF or NUL' });
      const parsed = WebhookTemplate.parse(header);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', path: [name], message: parsed.message });
    }
  })
  .describe('Extra request headers; values may contain {{placeholders}} (e.g. "Bearer {{secret}}")');

const template = z
  .strictObject({
    body: z.string().min(1).max(MAX_BODY_TEMPLATE).describe('Body template with {{placeholders}}'),
    contentType: z
      .string()
      .regex(/^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;.*)?$/, 'expected a media type such as application/json')
      .max(200)
      .optional()
      .describe('Default application/json; JSON types get JSON-escaped substitutions, form types form-encoded ones'),
  })
  .superRefine((value, ctx) => {
    const parsed = WebhookTemplate.parse(value.body);
    if (!parsed.ok) return void ctx.addIssue({ code: 'custom', path: ['body'], message: parsed.message });
    if (bodyContext(value.contentType ?? 'application/json') !== 'json') return;
    try {
      JSON.parse(parsed.template.render(SAMPLE_TEMPLATE_VALUES, 'json'));
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        path: ['body'],
        message: `does not render to valid JSON (${(error as Error).message}); put string placeholders inside quotes: "tag": "{{tag}}"`,
      });
    }
  });

const secret = z
  .string()
  .min(16, 'a secret must be at least 16 characters (omit it to have one generated)')
  .max(256)
  .describe('HMAC-SHA256 key of the X-Wharf-Signature header; write-only. Omitted on create: generated and returned once.');

const fields = {
  name: z.string().trim().min(1).max(200),
  url: urlTemplate,
  secret,
  enabled: z.boolean(),
  format: z.enum(PAYLOAD_FORMATS, { error: `format must be one of ${PAYLOAD_FORMATS.join(', ')}` }),
  filters,
  headers,
  template: template.nullable(),
};

export const createWebhookBody = z
  .strictObject({
    name: fields.name,
    url: fields.url,
    secret: fields.secret.optional(),
    enabled: fields.enabled.default(true),
    format: fields.format.default('deploy'),
    filters: fields.filters.default({}),
    headers: fields.headers.default({}),
    template: fields.template.optional(),
  })
  .superRefine(formatNeedsTemplate);

export const updateWebhookBody = z.strictObject({
  name: fields.name.optional(),
  url: fields.url.optional(),
  secret: fields.secret.optional(),
  enabled: fields.enabled.optional(),
  format: fields.format.optional(),
  filters: fields.filters.optional(),
  headers: fields.headers.optional(),
  template: fields.template.optional(),
});

export type CreateWebhookBody = z.output<typeof createWebhookBody>;
export type UpdateWebhookBody = z.output<typeof updateWebhookBody>;

/** A subscription's format and template must agree (checked again after a PATCH merges). */
function formatNeedsTemplate(value: { format: string; template?: unknown }, ctx: z.RefinementCtx): void {
  if (value.format === 'template' && (value.template === undefined || value.template === null)) {
    ctx.addIssue({ code: 'custom', path: ['template'], message: 'required when format is "template": {"body": "…", "contentType": "…"}' });
  }
  if (value.format !== 'template' && value.template !== undefined && value.template !== null) {
    ctx.addIssue({ code: 'custom', path: ['template'], message: `only for format "template" (format is "${value.format}")` });
  }
}

export const deliveriesQuery = z.strictObject({
  cursor: z.string().min(1).max(200).optional(),
  size: z
    .string()
    .regex(/^\d+$/, 'size must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1, 'size must be at least 1').max(MAX_DELIVERY_PAGE, `size must be at most ${MAX_DELIVERY_PAGE}`))
    .optional()
    .transform((v) => v ?? DEFAULT_DELIVERY_PAGE),
});

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
