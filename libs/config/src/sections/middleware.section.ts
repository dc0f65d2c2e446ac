import { z } from 'zod';
import { bool, duration, list, section, text } from '../config.fields.js';
import { isRawMap, RawScalar } from '../raw-value.js';
import type { StorageMiddlewareConfig } from '../config.types.js';

const TWENTY_MINUTES_MS = 20 * 60_000;

/** registry:2's entry shape: `name`, `options`, `disabled`. */
const entry = <S extends z.core.$ZodLooseShape>(name: string, options: S) =>
  section({ name: z.literal(name), disabled: bool().default(false), options: section(options) });

const cloudfront = entry('cloudfront', {
  baseurl: text(),
  privatekey: text(),
  keypairid: text(),
  // registry:2 reads only a duration string here and silently uses 20m for a bare number
  // (the seeds' `duration: 3000`); Wharf says so instead of guessing.
  duration: z
    .unknown()
    .superRefine((value, ctx) => {
      if (value instanceof RawScalar && typeof value.value === 'number') {
        ctx.addIssue({ code: 'custom', message: 'write a duration such as "20m" (registry:2 ignores a bare number here and uses 20m)' });
      }
    })
    .pipe(duration().optional())
    .optional(),
  ipfilteredby: z
    .preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.string())
    .refine((v) => v === '' || v === 'none', 'only "none" is supported: Wharf does not fetch AWS IP ranges to send AWS clients to S3 directly')
    .optional(),
});

const redirect = entry('redirect', {
  baseurl: text().refine((v) => {
    try {
      const url = new URL(v);
      return url.protocol !== '' && url.host !== '';
    } catch {
      return false;
    }
  }, 'expected a URL with a scheme and a host, such as https://cdn.example.com'),
});

const rewrite = entry('rewrite', { scheme: text().optional(), host: text().optional(), trimpathprefix: text().optional() });

const KNOWN = ['cloudfront', 'redirect', 'rewrite'];

/** Picks the entry schema by name so errors speak about the right options. */
const storageEntry = z.unknown().transform((value, ctx) => {
    const name = isRawMap(value) && typeof value['name'] === 'string' ? value['name'] : undefined;
    const schema = name === 'cloudfront' ? cloudfront : name === 'redirect' ? redirect : name === 'rewrite' ? rewrite : undefined;
    if (!schema) {
      ctx.addIssue({ code: 'custom', message: `unknown storage middleware ${name === undefined ? '(no name)' : `"${name}"`}; supported: ${KNOWN.join(', ')}` });
      return z.NEVER;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: issue.path } as never);
      return z.NEVER;
    }
    return parsed.data;
});

/** Registry and repository middleware are Go plug-ins of registry:2: named, and refused. */
const refusedPoint = (point: string) =>
  list(z.unknown()).superRefine((entries, ctx) => {
    if (entries.length === 0) return;
    const names = entries.map((e) => (isRawMap(e) && typeof e['name'] === 'string' ? e['name'] : '?'));
    ctx.addIssue({ code: 'custom', message: `${point} middleware is not supported by Wharf (found ${names.join(', ')}); only storage middleware (cloudfront, redirect, rewrite) is` });
  });

/** `middleware`: storage middleware acts on blob redirects; the other points are refused by name. */
export const middlewareSection = section({
  registry: refusedPoint('registry'),
  repository: refusedPoint('repository'),
  storage: list(storageEntry),
});

export function toMiddlewareConfig(raw: z.output<typeof middlewareSection>): { storage: StorageMiddlewareConfig[] } {
  const storage: StorageMiddlewareConfig[] = [];
  for (const item of raw.storage) {
    if (item.disabled) continue;
    if (item.name === 'cloudfront') {
      const o = item.options as z.output<typeof cloudfront>['options'];
      // as registry:2: a bare host gets https://, and the key is appended after one slash
      const base = o.baseurl.includes('://') ? o.baseurl : `https://${o.baseurl}`;
      storage.push({ name: 'cloudfront', baseUrl: base.endsWith('/') ? base : `${base}/`, privateKey: o.privatekey, keyPairId: o.keypairid, durationMs: o.duration ?? TWENTY_MINUTES_MS });
    } else if (item.name === 'redirect') {
      storage.push({ name: 'redirect', baseUrl: (item.options as z.output<typeof redirect>['options']).baseurl });
    } else {
      const o = item.options as z.output<typeof rewrite>['options'];
      storage.push({
        name: 'rewrite',
        ...(o.scheme === undefined ? {} : { scheme: o.scheme }),
        ...(o.host === undefined ? {} : { host: o.host }),
        ...(o.trimpathprefix === undefined ? {} : { trimPathPrefix: o.trimpathprefix }),
      });
    }
  }
  return { storage };
}
