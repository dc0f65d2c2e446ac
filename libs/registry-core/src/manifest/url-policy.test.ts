import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RegistryError } from '../errors/registry-error.js';
import type { ParsedManifest } from './manifest.parser.js';
import { requiredChildren } from './index-children.policy.js';
import { assertUrlsAllowed, urlPolicy } from './url-policy.js';

const withUrls = (...urls: string[]): ParsedManifest => ({
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  blobs: [],
  manifests: [],
  urlLayers: [{ where: 'layers[0]', descriptor: { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', digest: 'sha256:x', size: 1, urls } }],
});

function refusal(parsed: ParsedManifest, policy: ReturnType<typeof urlPolicy>): string | undefined {
  try {
    assertUrlsAllowed(parsed, policy);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof RegistryError && err.code === 'MANIFEST_INVALID' && err.status === 400, String(err));
    return String(err.detail);
  }
}

describe('validation.manifests.urls, as registry:2 decides', () => {
  const lists = urlPolicy({ enabled: true, allow: ['^https?://([^/]+\\.)*example\\.com/'], deny: ['^https?://www\\.example\\.com/'] });

  test('allowed and not denied passes; denied or not allowed is refused, naming the URL', () => {
    assert.equal(refusal(withUrls('https://cdn.example.com/layer'), lists), undefined);
    assert.match(refusal(withUrls('https://www.example.com/layer')!, lists) ?? '', /layers\[0\]\.urls\[0\] "https:\/\/www\.example\.com\/layer" matches a validation\.manifests\.urls\.deny pattern/);
    assert.match(refusal(withUrls('https://cdn.example.com/a', 'https://other.org/b'), lists) ?? '', /urls\[1\] "https:\/\/other\.org\/b" matches no validation\.manifests\.urls\.allow pattern/);
  });

  test('only http(s) URLs without a fragment, whatever the lists', () => {
    const off = urlPolicy({ enabled: false, allow: [], deny: [] });
    assert.equal(refusal(withUrls('http://anything.test/x'), off), undefined);
    assert.match(refusal(withUrls('ftp://anything.test/x'), off) ?? '', /not an http or https URL/);
    assert.match(refusal(withUrls('https://cdn.example.com/x#frag'), lists) ?? '', /has a fragment/);
  });

  test('validation on with no lists refuses every URL (registry:2 allows only "^$")', () => {
    assert.match(refusal(withUrls('https://cdn.example.com/x'), urlPolicy({ enabled: true, allow: [], deny: [] })) ?? '', /matches no .*allow pattern/);
  });

  test('a deny list alone lets every other URL through', () => {
    const denyOnly = urlPolicy({ enabled: true, allow: [], deny: ['internal'] });
    assert.equal(refusal(withUrls('https://cdn.example.com/x'), denyOnly), undefined);
    assert.ok(refusal(withUrls('https://internal.example.com/x'), denyOnly));
  });
});

describe('validation.manifests.indexes', () => {
  const child = (os: string, architecture: string) => ({ mediaType: 'm', digest: `sha256:${os}-${architecture}`, size: 1, platform: { os, architecture } });
  const children = [child('linux', 'amd64'), child('linux', 'arm64'), child('windows', 'amd64')];

  test('all, none, or the listed platforms must exist; an empty list means all', () => {
    assert.equal(requiredChildren(children, { platforms: 'all', platformList: [] }).length, 3);
    assert.equal(requiredChildren(children, { platforms: 'none', platformList: [] }).length, 0);
    assert.deepEqual(
      requiredChildren(children, { platforms: 'list', platformList: [{ os: 'linux', architecture: 'arm64' }] }).map((c) => c.digest),
      ['sha256:linux-arm64'],
    );
    assert.equal(requiredChildren(children, { platforms: 'list', platformList: [] }).length, 3);
  });
});
