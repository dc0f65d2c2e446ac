import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { basicCredentials } from './basic-credentials.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('basicCredentials', () => {
  test('splits at the first colon only, so passwords may contain colons', () => {
    assert.deepEqual(basicCredentials(`Basic ${b64('bob:a:b c')}`), { user: 'bob', password: 'a:b c' });
    assert.deepEqual(basicCredentials(`basic ${b64('bob:pw')}`), { user: 'bob', password: 'pw' });
  });

  test('malformed headers are undefined', () => {
    for (const header of [
      undefined,
      'Basic',
      `Bearer ${b64('bob:pw')}`,
      `NotBasic ${b64('bob:pw')}`,
      'Basic !!!!',
      'Basic Ym9i', // "bob": no colon
      `Basic ${b64(':pw')}`,
      `Basic ${b64('bob:')}`,
      `Basic ${b64('bob:p\u0000w')}`,
      `Basic ${b64('bob:pw')}extra`,
      `Basic ${b64('bob:pw')} trailing`,
    ]) {
      assert.equal(basicCredentials(header), undefined, String(header));
    }
  });
});
