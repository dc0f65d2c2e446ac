import { RegistryError } from '../errors/registry-error.js';
import type { ParsedManifest } from './manifest.parser.js';

/**
 * validation.manifests.urls as registry:2 decides it. Every URL a foreign or OCI layer names must
 * be http(s) without a fragment; with validation on, it must also match `allow` and not `deny`
 * (each the configured patterns joined as alternatives, matched anywhere in the URL as Go's
 * MatchString does). With validation on and no patterns at all, `allow` matches only the empty
 * string, so no URL passes.
 */
export interface UrlPolicy {
  allow?: RegExp;
  deny?: RegExp;
}

export const ANY_HTTP_URL: UrlPolicy = {};

export function urlPolicy(validation: { enabled: boolean; allow: readonly string[]; deny: readonly string[] }): UrlPolicy {
  if (!validation.enabled) return ANY_HTTP_URL;
  if (validation.allow.length === 0 && validation.deny.length === 0) return { allow: /^$/ };
  const joined = (patterns: readonly string[]) => (patterns.length === 0 ? undefined : new RegExp(patterns.map((p) => `(?:${p})`).join('|')));
  const allow = joined(validation.allow);
  const deny = joined(validation.deny);
  return { ...(allow === undefined ? {} : { allow }), ...(deny === undefined ? {} : { deny }) };
}

/** Throws MANIFEST_INVALID naming the first URL the policy refuses. */
export function assertUrlsAllowed(parsed: ParsedManifest, policy: UrlPolicy): void {
  for (const { where, descriptor } of parsed.urlLayers) {
    (descriptor.urls ?? []).forEach((url, index) => {
      const problem = urlProblem(url, policy);
      if (problem !== undefined) {
        throw new RegistryError('MANIFEST_INVALID', `${where}.urls[${index}] ${JSON.stringify(url.slice(0, 512))} ${problem}`);
      }
    });
  }
}

function urlProblem(url: string, policy: UrlPolicy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'is not an http or https URL';
  if (url.includes('#')) return 'has a fragment';
  if (policy.allow !== undefined && !policy.allow.test(url)) return 'matches no validation.manifests.urls.allow pattern';
  if (policy.deny?.test(url)) return 'matches a validation.manifests.urls.deny pattern';
  return undefined;
}
