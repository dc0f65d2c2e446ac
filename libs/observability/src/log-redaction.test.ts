import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { createLogger } from './logger.js';
import { redactSecrets, redactText } from './log-redaction.js';

function capture(): { lines: () => Record<string, unknown>[]; text: () => string; destination: PassThrough } {
  const destination = new PassThrough();
  const chunks: Buffer[] = [];
  destination.on('data', (chunk: Buffer) => chunks.push(chunk));
  const text = (): string => Buffer.concat(chunks).toString('utf8');
  return { destination, text, lines: () => text().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('redactText', () => {
  const cases: [string, string][] = [
    ['/v2/_catalog?password=hunter2&n=10', '/v2/_catalog?password=[redacted]&n=10'],
    ['/auth/token?service=wharf&access_token=eyJ.abc.def', '/auth/token?service=wharf&access_token=[redacted]'],
    ['/x?TOKEN=abc;refresh_token=def', '/x?TOKEN=[redacted];refresh_token=[redacted]'],
    ['https://ci:s3cr3t@hooks.example.com/deploy?sig=AbC', 'https://[redacted]@hooks.example.com/deploy?sig=[redacted]'],
    ['header was Basic Y2k6czNjcjN0 and Bearer eyJhbGciOi.x.y', 'header was Basic [redacted] and Bearer [redacted]'],
    ['Basic authentication failed for user ci', 'Basic authentication failed for user ci'],
    ['/v2/?next=https%3A%2F%2Fci%3Apw%40hooks.example.com%2F', '/v2/?next=https%3A%2F%2F[redacted]@hooks.example.com%2F'],
    ['git clone https://ghp_TOKEN@github.com/org/repo', 'git clone https://[redacted]@github.com/org/repo'],
    ['https://registry.example.com/v2/?n=1&last=a@b', 'https://registry.example.com/v2/?n=1&last=a@b'],
    ['/v2/app/blobs/uploads/1234?_state=abc&digest=sha256:00', '/v2/app/blobs/uploads/1234?_state=abc&digest=sha256:00'],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => assert.equal(redactText(input), expected));
  }
});

describe('redactSecrets', () => {
  test('secret-named keys at any depth, headers of any case; the input is left alone', () => {
    const input = {
      headers: { Authorization: 'Basic Y2k6czNjcjN0', 'proxy-authorization': 'Bearer abc', cookie: 'session=1', 'Set-Cookie': ['a=1'], accept: '*/*' },
      config: { redis: { password: 'redis-pw', addrs: ['r:6379'] }, http: { secret: 'hmac' }, webhook: { client_secret: 'cs', api_key: 'k' } },
      list: [{ token: 't1' }, { name: 'ok' }],
    };
    const before = JSON.stringify(input);
    assert.deepEqual(redactSecrets(input), {
      headers: { Authorization: '[redacted]', 'proxy-authorization': '[redacted]', cookie: '[redacted]', 'Set-Cookie': '[redacted]', accept: '*/*' },
      config: { redis: { password: '[redacted]', addrs: ['r:6379'] }, http: { secret: '[redacted]' }, webhook: { client_secret: '[redacted]', api_key: '[redacted]' } },
      list: [{ token: '[redacted]' }, { name: 'ok' }],
    });
    assert.equal(JSON.stringify(input), before);
  });

  test('an error keeps its type, message and stack, with credentials masked', () => {
    const error = Object.assign(new Error('POST https://u:pw@example.com/hook failed'), { code: 'ECONNREFUSED', password: 'x' });
    const copy = redactSecrets({ err: error }) as { err: Record<string, unknown> };
    assert.equal(copy.err['type'], 'Error');
    assert.equal(copy.err['message'], 'POST https://[redacted]@example.com/hook failed');
    assert.equal(copy.err['code'], 'ECONNREFUSED');
    assert.equal(copy.err['password'], '[redacted]');
    assert.match(String(copy.err['stack']), /^Error: POST https:\/\/\[redacted\]@example\.com/);
  });
});

describe('createLogger', () => {
  test('the written line carries no secret from fields, nested objects, errors or the message', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', destination: out.destination });
    logger.info({ url: '/v2/?token=tok-1', req: { headers: { authorization: 'Bearer tok-2' } } }, 'GET https://a:tok-3@x/y');
    logger.child({ reqId: 'r1' }).error({ err: new Error('Bearer tokTOK4secret rejected') }, 'failed');
    const text = out.text();
    for (const secret of ['tok-1', 'tok-2', 'tok-3', 'tokTOK4secret']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    const [first, second] = out.lines();
    assert.equal(first?.['msg'], 'GET https://[redacted]@x/y');
    assert.equal(first?.['url'], '/v2/?token=[redacted]');
    assert.equal(second?.['reqId'], 'r1');
    assert.equal((second?.['err'] as Record<string, unknown>)['message'], 'Bearer [redacted] rejected');
  });
});
