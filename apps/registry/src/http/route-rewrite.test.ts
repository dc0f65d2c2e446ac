import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rewriteRegistryUrl } from './route-rewrite.js';

describe('rewriteRegistryUrl', () => {
  const cases: [string, string][] = [
    ['/v2/', '/v2/'],
    ['/v2/_catalog?n=10', '/v2/_catalog?n=10'],
    ['/v2/app/manifests/latest', '/v2/app/manifests/latest'],
    ['/v2/team/app/api/manifests/v1', '/v2/team%2Fapp%2Fapi/manifests/v1'],
    ['/v2/team/app/blobs/uploads/', '/v2/team%2Fapp/blobs/uploads/'],
    ['/v2/team/app/blobs/uploads/abc?digest=sha256:1', '/v2/team%2Fapp/blobs/uploads/abc?digest=sha256:1'],
    ['/v2/team/app/blobs/sha256:abc', '/v2/team%2Fapp/blobs/sha256:abc'],
    ['/v2/team/app/tags/list?n=2&last=b', '/v2/team%2Fapp/tags/list?n=2&last=b'],
    ['/v2/team/app/referrers/sha256:abc?artifactType=x', '/v2/team%2Fapp/referrers/sha256:abc?artifactType=x'],
    // A name may contain the API's own words; the split is where the API says.
    ['/v2/a/manifests/b/manifests/c', '/v2/a%2Fmanifests%2Fb/manifests/c'],
    ['/v2/blobs/blobs/sha256:abc', '/v2/blobs/blobs/sha256:abc'],
    // Encoded slashes stay encoded, so the name pipe refuses them.
    ['/v2/a%2Fb/tags/list', '/v2/a%252Fb/tags/list'],
  ];
  for (const [input, expected] of cases) {
    test(input, () => assert.equal(rewriteRegistryUrl(input), expected));
  }

  test('removes http.prefix', () => {
    assert.equal(rewriteRegistryUrl('/registry/v2/a/b/tags/list', '/registry/'), '/v2/a%2Fb/tags/list');
    assert.equal(rewriteRegistryUrl('/registry/v2/', '/registry/'), '/v2/');
    assert.equal(rewriteRegistryUrl('/other/v2/', '/registry/'), '/other/v2/');
  });
});
