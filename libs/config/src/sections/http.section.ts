import { z } from 'zod';
import { bool, choice, duration, headerMap, httpUrl, section, text, textList } from '../config.fields.js';
import type { HttpConfig, HttpTlsConfig } from '../config.types.js';
import { splitHostPort } from '../host-port.js';
import { cipherSuiteProblem } from './tls-cipher-suites.js';
import { trustedProxies } from './trusted-proxies.js';

const DEFAULT_ADDR = ':5000';
const LETS_ENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';

const tls = section({
  certificate: text().optional(),
  key: text().optional(),
  clientcas: textList(),
  clientauth: choice([
    'request-client-cert',
    'require-any-client-cert',
    'verify-client-cert-if-given',
    'require-and-verify-client-cert',
  ]).default('require-and-verify-client-cert'),
  minimumtls: choice(['tls1.0', 'tls1.1', 'tls1.2', 'tls1.3']).default('tls1.2'),
  ciphersuites: textList(),
  letsencrypt: section({
    cachefile: text().optional(),
    email: text().optional(),
    hosts: textList(),
    directoryurl: httpUrl().optional(), // 3.x
  }),
}).superRefine((value, ctx) => {
  const acme = value.letsencrypt;
  if (acme.cachefile !== undefined || acme.email !== undefined || acme.hosts.length > 0 || acme.directoryurl !== undefined) {
    if (acme.cachefile === undefined) ctx.addIssue({ code: 'custom', path: ['letsencrypt', 'cachefile'], message: "required to use Let's Encrypt (where the account and certificates are kept)" });
    if (acme.email === undefined) ctx.addIssue({ code: 'custom', path: ['letsencrypt', 'email'], message: "required to use Let's Encrypt (the ACME account's contact)" });
    if (value.certificate !== undefined) ctx.addIssue({ code: 'custom', path: ['letsencrypt'], message: "set either http.tls.certificate or Let's Encrypt, not both" });
  }
  // registry:2 serves TLS only when a certificate is set; a key alone is a mistake worth naming.
  if (value.certificate !== undefined && value.key === undefined) {
    ctx.addIssue({ code: 'custom', path: ['key'], message: 'required when http.tls.certificate is set' });
  }
  if (value.key !== undefined && value.certificate === undefined) {
    ctx.addIssue({ code: 'custom', path: ['certificate'], message: 'required when http.tls.key is set' });
  }
  value.ciphersuites.forEach((name, index) => {
    const problem = cipherSuiteProblem(name);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['ciphersuites', index], message: problem });
  });
});

export const httpSection = section({
  addr: text().default(DEFAULT_ADDR),
  net: choice(['tcp', 'unix']).default('tcp'),
  prefix: text().optional(),
  host: httpUrl().optional(),
  secret: text().optional(),
  relativeurls: bool().default(false),
  draintimeout: duration().default(0),
  headers: headerMap(),
  tls,
  debug: section({
    addr: text().optional(),
    prometheus: section({ enabled: bool().default(false), path: text().default('/metrics') }),
  }),
  http2: section({ disabled: bool().default(false) }),
  h2c: section({ enabled: bool().default(false) }),
  // Wharf's own: registry:2 has no such key (it reads X-Forwarded-For from anyone).
  trustedproxies: trustedProxies(),
}).superRefine((value, ctx) => {
  if (value.net === 'tcp' && splitHostPort(value.addr) === undefined) {
    ctx.addIssue({ code: 'custom', path: ['addr'], message: 'expected host:port or :port, e.g. ":5000"' });
  }
});

/** "registry", "/registry" and "/registry/" all mean "/registry/"; nothing means "/". */
export function normalisePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}

export function toHttpConfig(raw: z.output<typeof httpSection>): HttpConfig {
  const t = raw.tls;
  const acme = t.letsencrypt;
  const source =
    t.certificate !== undefined && t.key !== undefined
      ? { certificate: t.certificate, key: t.key }
      : acme.cachefile !== undefined && acme.email !== undefined
        ? {
            letsEncrypt: {
              cacheFile: acme.cachefile,
              email: acme.email,
              hosts: acme.hosts,
              directoryUrl: acme.directoryurl ?? LETS_ENCRYPT_DIRECTORY,
            },
          }
        : undefined;
  const httpTls: HttpTlsConfig | undefined =
    source !== undefined
      ? {
          ...source,
          clientCAs: t.clientcas,
          clientAuth: t.clientauth,
          minimumTls: t.minimumtls,
          cipherSuites: t.ciphersuites,
        }
      : undefined;
  return {
    addr: raw.addr,
    net: raw.net,
    prefix: normalisePrefix(raw.prefix),
    ...(raw.host === undefined ? {} : { host: raw.host }),
    ...(raw.secret === undefined ? {} : { secret: raw.secret }),
    relativeUrls: raw.relativeurls,
    drainTimeoutMs: raw.draintimeout,
    headers: raw.headers,
    ...(httpTls === undefined ? {} : { tls: httpTls }),
    debug: {
      ...(raw.debug.addr === undefined ? {} : { addr: raw.debug.addr }),
      prometheus: { enabled: raw.debug.prometheus.enabled, path: raw.debug.prometheus.path },
    },
    http2: { disabled: raw.http2.disabled },
    h2c: { enabled: raw.h2c.enabled },
    // Nothing trusted by default: a registry without a proxy in front must not believe the header.
    trustedProxies: raw.trustedproxies ?? [],
  };
}
