import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { ConfigError, parseConfig } from '@wharf/config';
import { repoRoot } from '../support/tools.js';
import { CONSUMERS } from './config-consumers.js';
import { REFERENCE_KEYS } from './registry2-keys.js';

/*
 * "Every key acts or refuses", made mechanical. Each key of the configuration reference is set
 * alone (with what it needs beside it) and start-up is asked what it makes of it:
 *   refused  – an issue at the key or at a section containing it, saying why (not "unknown key");
 *   accepted – then it must be listed in CONSUMERS, whose file must exist and use the named field.
 * A key that is accepted and listed nowhere fails: it would be parsed and ignored.
 */

/** Sections whose keys a refused key needs beside it, so the walk sees the key's own fate. */
const CONTEXT: readonly [prefix: string, context: Record<string, unknown>, except?: string][] = [
  ['auth.token.', { auth: { token: { realm: 'https://auth.example.com/token', service: 's', issuer: 'i', rootcertbundle: '/b' } } }],
  ['auth.htpasswd.', { auth: { htpasswd: { realm: 'r', path: '/p' } } }],
  ['auth.silly.', { auth: { silly: { realm: 'r', service: 's' } } }],
  ['redis.', { redis: { addr: '127.0.0.1:6379' } }, 'redis.addrs'],
  ['http.tls.', { http: { tls: { certificate: '/c.pem', key: '/k.pem' } } }],
  // Replaces the one above (sections are merged shallowly): Let's Encrypt instead of files.
  ['http.tls.letsencrypt.', { http: { tls: { letsencrypt: { cachefile: '/acme.json', email: 'ops@example.com' } } } }],
  ['storage.cache.blobdescriptor', { redis: { addr: '127.0.0.1:6379' } }],
  ['storage.cache.layerinfo', { redis: { addr: '127.0.0.1:6379' } }],
  ['health.http[]', { health: { http: [{ uri: 'http://check.example.com/' }] } }],
  ['health.tcp[]', { health: { tcp: [{ addr: 'check.example.com:6379' }] } }],
  ['health.file[]', { health: { file: [{ file: '/tmp/f' }] } }],
  ['notifications.endpoints[]', { notifications: { endpoints: [{ name: 'e', url: 'http://hook.example.com/' }] } }],
  // An enabled hook: what mails would be sent is what the walk asks about.
  ['log.hooks[]', { log: { hooks: [{ type: 'mail' }] } }],
];

const STORAGE_SUBSECTIONS = new Set(['delete', 'maintenance', 'cache', 'redirect', 'tag']);

type Segment = { key: string; list: boolean };

function segments(key: string): Segment[] {
  return key.split('.').map((part) => ({ key: part.replace(/\[\]$/, ''), list: part.endsWith('[]') }));
}

function setPath(target: Record<string, unknown>, path: Segment[], value: unknown): void {
  let node: Record<string, unknown> = target;
  path.forEach((segment, i) => {
    const last = i === path.length - 1;
    if (segment.list) {
      const list = (Array.isArray(node[segment.key]) ? node[segment.key] : [{}]) as Record<string, unknown>[];
      node[segment.key] = list;
      if (last) list[0] = value as Record<string, unknown>;
      else node = (list[0] ??= {});
    } else if (last) {
      node[segment.key] = value;
    } else {
      const child = node[segment.key];
      node = (typeof child === 'object' && child !== null && !Array.isArray(child) ? child : (node[segment.key] = {})) as Record<string, unknown>;
    }
  });
}

/** How start-up reads a document where only `key` (and what it needs) is set. */
function fate(key: string, sample: unknown): { refused?: string; unknown?: string; accepted?: true } {
  const doc: Record<string, unknown> = structuredClone({ version: '0.1', storage: { inmemory: null } });
  for (const [prefix, context, except] of CONTEXT) if (key.startsWith(prefix) && key !== except) Object.assign(doc, structuredClone(context));
  const path = segments(key);
  if (path[0]?.key === 'storage' && path[1] !== undefined && !STORAGE_SUBSECTIONS.has(path[1].key)) doc['storage'] = {};
  setPath(doc, path, sample);
  const shown = path.map((s, i) => `${i === 0 ? '' : '.'}${s.key}${s.list ? '[0]' : ''}`).join('');
  try {
    parseConfig(stringify(doc), {});
    return { accepted: true };
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    const mine = error.issues.filter((issue) => shown === issue.path || shown.startsWith(`${issue.path}.`) || shown.startsWith(`${issue.path}[`));
    const unknown = mine.find((issue) => issue.message.startsWith('unknown key'));
    if (unknown !== undefined) return { unknown: `${unknown.path}: ${unknown.message}` };
    if (mine.length > 0) return { refused: mine.map((issue) => `${issue.path}: ${issue.message}`).join('; ') };
    return { accepted: true };
  }
}

function consumerProblem(key: string): string | undefined {
  const consumer = CONSUMERS[key];
  if (consumer === undefined) return `${key} is accepted but no code is registered as acting on it (config-consumers.ts)`;
  const [file, uses] = consumer;
  const path = join(repoRoot, file);
  if (!existsSync(path)) return `${key}: ${file} does not exist`;
  if (!readFileSync(path, 'utf8').includes(uses)) return `${key}: ${file} does not use ${uses}`;
  return undefined;
}

describe('every configuration key acts or refuses', () => {
  const fates = REFERENCE_KEYS.map(([key, sample]) => ({ key, ...fate(key, sample) }));

  test('no key of the reference is "unknown": a documented key is honoured or refused with a reason', () => {
    const unknown = fates.filter((f) => f.unknown !== undefined).map((f) => f.unknown);
    assert.deepEqual(unknown, []);
  });

  test('every accepted key names the code that acts on it, and that code uses it', () => {
    const problems = fates.filter((f) => f.accepted).map((f) => consumerProblem(f.key)).filter((p) => p !== undefined);
    assert.deepEqual(problems, []);
  });

  test('a refusal says why: more than "required" or a type error', () => {
    const vague = fates.filter((f) => f.refused !== undefined && /: (required|expected [a-z ]+)$/.test(f.refused));
    assert.deepEqual(vague.map((f) => `${f.key} → ${f.refused}`), []);
  });

  test('no key is listed as acted on while start-up refuses it, nor listed without being in the reference', () => {
    const referenced = new Set(REFERENCE_KEYS.map(([key]) => key));
    const wharfOwn = ['http.trustedproxies', 'notifications.endpoints[].maxretryage', 'notifications.spool.directory', 'notifications.replay.retention', 'notifications.replay.maxevents'];
    const stale = Object.keys(CONSUMERS).filter((key) => !referenced.has(key) && !wharfOwn.includes(key));
    assert.deepEqual(stale, [], 'consumers of keys that are not in the reference list');
    const refusedButListed = fates.filter((f) => f.refused !== undefined && CONSUMERS[f.key] !== undefined).map((f) => `${f.key} → ${f.refused}`);
    assert.deepEqual(refusedButListed, []);
  });

  test('the walk can tell: an accepted key without a consumer, and a parsed-and-ignored key, are caught', () => {
    assert.deepEqual(fate('catalog.maxentries', 5), { accepted: true });
    assert.match(consumerProblem('no.such.key') ?? '', /no code is registered/);
    assert.ok(fate('reporting.bugsnag.apikey', 'k').refused?.startsWith('reporting: '));
    assert.ok(fate('storage.s3.bucket', 'b').refused?.startsWith('storage.s3: '));
  });

  test("Wharf's own keys inside registry:2 sections are acted on too", () => {
    for (const key of ['http.trustedproxies', 'notifications.endpoints[].maxretryage', 'notifications.spool.directory', 'notifications.replay.retention', 'notifications.replay.maxevents']) {
      assert.equal(consumerProblem(key), undefined, key);
    }
  });
});
