import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRepositoryPath } from './repository-path.js';

describe('parseRepositoryPath', () => {
  test('names keep their slashes, or come URL-encoded; a last "tags" segment selects the tags', () => {
    assert.deepEqual(parseRepositoryPath('/api/repositories/library/nginx'), { name: 'library/nginx', resource: 'repository' });
    assert.deepEqual(parseRepositoryPath('/api/repositories/library%2Fnginx?x=1'), { name: 'library/nginx', resource: 'repository' });
    assert.deepEqual(parseRepositoryPath('/api/repositories/a/b/c/tags?size=2'), { name: 'a/b/c', resource: 'tags' });
    assert.deepEqual(parseRepositoryPath('/api/repositories/a%2Fb/tags'), { name: 'a/b', resource: 'tags' });
  });

  test('a repository named "tags", or ending in "/tags", is reached by encoding', () => {
    assert.deepEqual(parseRepositoryPath('/api/repositories/tags'), { name: 'tags', resource: 'repository' });
    assert.deepEqual(parseRepositoryPath('/api/repositories/x%2Ftags'), { name: 'x/tags', resource: 'repository' });
    assert.deepEqual(parseRepositoryPath('/api/repositories/x%2Ftags/tags'), { name: 'x/tags', resource: 'tags' });
  });

  test('one tag or one manifest of a repository', () => {
    assert.deepEqual(parseRepositoryPath('/api/repositories/library/nginx/tags/1.25'), { name: 'library/nginx', resource: 'tag', tag: '1.25' });
    assert.deepEqual(parseRepositoryPath('/api/repositories/a%2Fb/tags/latest'), { name: 'a/b', resource: 'tag', tag: 'latest' });
    assert.deepEqual(parseRepositoryPath('/api/repositories/tags/tags/tags'), { name: 'tags', resource: 'tag', tag: 'tags' });
    assert.deepEqual(parseRepositoryPath('/api/repositories/a/b/manifests/sha256%3Aabc'), { name: 'a/b', resource: 'manifest', digest: 'sha256:abc' });
    assert.deepEqual(parseRepositoryPath('/api/repositories/x/manifests'), { name: 'x/manifests', resource: 'repository' });
    assert.deepEqual(parseRepositoryPath('/api/repositories/x%2Ftags%2Fy'), { name: 'x/tags/y', resource: 'repository' });
    assert.equal(parseRepositoryPath('/api/repositories/a/tags/%E0%A4%A'), undefined);
  });

  test('invalid names are refused', () => {
    for (const path of ['/api/repositories/', '/api/repositories/UPPER', '/api/repositories/a//b', '/api/repositories/a/', '/api/repositories/-a', '/api/repositories/%ZZ', `/api/repositories/${'a'.repeat(256)}`]) {
      assert.equal(parseRepositoryPath(path), undefined, path);
    }
  });
});
