import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseChallenge } from './upstream-auth.js';

describe('parseChallenge', () => {
  test('Docker Hub\'s bearer challenge', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
    });
  });

  test('Basic, unquoted values, and nothing at all', () => {
    assert.deepEqual(parseChallenge('Basic realm="basic-upstream"'), { scheme: 'basic', params: { realm: 'basic-upstream' } });
    assert.deepEqual(parseChallenge('Bearer realm=http://127.0.0.1:5000/auth,service=x'), { scheme: 'bearer', params: { realm: 'http://127.0.0.1:5000/auth', service: 'x' } });
    assert.equal(parseChallenge(undefined), undefined);
  });
});
