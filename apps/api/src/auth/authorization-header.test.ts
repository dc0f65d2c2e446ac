import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAuthorization } from './authorization-header.js';

test('Bearer and Basic are read; everything else is none or malformed', () => {
  assert.deepEqual(parseAuthorization(undefined), { kind: 'none' });
  assert.deepEqual(parseAuthorization('Bearer abc.def.ghi'), { kind: 'bearer', token: 'abc.def.ghi' });
  assert.deepEqual(parseAuthorization(`basic ${Buffer.from('alice:pa:ss').toString('base64')}`), { kind: 'basic', user: 'alice', password: 'pa:ss' });
  for (const header of ['Bearer', 'Digest abc', 'Basic !!!', `Basic ${Buffer.from('nocolon').toString('base64')}`, `Basic ${Buffer.from(':pw').toString('base64')}`, 'Bearer a b', `Bearer ${'a'.repeat(9000)}`]) {
    assert.equal(parseAuthorization(header).kind, 'malformed', header.slice(0, 40));
  }
});
