import { z } from 'zod';
import { asMappingInput, bool, list, section, text } from '../config.fields.js';
import { envHints } from '../env-hints.js';
import { isRawMap } from '../raw-value.js';
import type { AuthConfig, TokenSigningAlgorithm } from '../config.types.js';

export const AUTH_SCHEMES = ['silly', 'token', 'htpasswd'] as const;

const SIGNING_ALGORITHMS = [
  'EdDSA',
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
] as const satisfies readonly TokenSigningAlgorithm[];

const signingAlgorithm = z.preprocess(
  // Algorithm names are case-sensitive JOSE names; map any spelling onto the canonical one.
  (value) =>
    typeof value === 'string' ? (SIGNING_ALGORITHMS.find((a) => a.toLowerCase() === value.toLowerCase()) ?? value) : value,
  z.enum(SIGNING_ALGORITHMS),
);

const token = section({
  realm: text(),
  service: text(),
  issuer: text(),
  rootcertbundle: text().optional(),
  jwks: text().optional(),
  autoredirect: bool().default(false),
  autoredirectpath: text().default('/auth/token'),
  signingalgorithms: list(signingAlgorithm),
}).superRefine((value, ctx) => {
  if (value.rootcertbundle === undefined && value.jwks === undefined) {
    ctx.addIssue({ code: 'custom', path: ['rootcertbundle'], message: 'set rootcertbundle or jwks (or both)' });
  }
});

const authObject = z
  .strictObject({
    silly: section({ realm: text(), service: text() }).optional(),
    token: token.optional(),
    htpasswd: section({ realm: text(), path: text() }).optional(),
  })
  .catchall(
    z.unknown().superRefine((_value, ctx) => {
      ctx.addIssue({ code: 'custom', message: 'unknown auth scheme', params: { kind: 'auth-scheme' } });
    }),
  )
  .register(envHints, { selector: { keep: [] } });

/** One auth scheme, or none; `auth: htpasswd` (what REGISTRY_AUTH=htpasswd gives) names a scheme. */
export const authSection = z.preprocess((value, ctx) => {
  if (value === null || value === undefined || value === '') return {};
  const map = typeof value === 'string' ? { [value]: {} } : value;
  if (!isRawMap(map)) return asMappingInput(map);
  const schemes = Object.keys(map);
  if (schemes.length > 1) {
    ctx.addIssue({
      code: 'custom',
      message: `configure exactly one auth scheme, found ${schemes.length}: ${schemes.join(', ')}`,
      input: value,
    });
  }
  // `htpasswd:` with nothing under it still names the scheme (its required keys then report).
  return Object.fromEntries(Object.entries(map).map(([key, item]) => [key, item ?? {}]));
}, authObject);

export function toAuthConfig(raw: z.output<typeof authSection>): AuthConfig | undefined {
  if (raw.silly !== undefined) return { scheme: 'silly', realm: raw.silly.realm, service: raw.silly.service };
  if (raw.htpasswd !== undefined) return { scheme: 'htpasswd', realm: raw.htpasswd.realm, path: raw.htpasswd.path };
  const t = raw.token;
  if (t === undefined) return undefined;
  return {
    scheme: 'token',
    realm: t.realm,
    service: t.service,
    issuer: t.issuer,
    ...(t.rootcertbundle === undefined ? {} : { rootCertBundle: t.rootcertbundle }),
    ...(t.jwks === undefined ? {} : { jwks: t.jwks }),
    autoRedirect: t.autoredirect,
    autoRedirectPath: t.autoredirectpath,
    signingAlgorithms: t.signingalgorithms.length > 0 ? t.signingalgorithms : [...SIGNING_ALGORITHMS],
  };
}

