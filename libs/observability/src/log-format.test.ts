import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from './logger.js';

function linesOf(format: 'text' | 'json' | 'logstash', log: (logger: ReturnType<typeof createLogger>) => void): string[] {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  const logger = createLogger({ level: 'debug', fields: { service: 'registry' }, destination: out, format });
  log(logger);
  return chunks.join('').split('\n').filter(Boolean);
}

test('text: logrus key=value lines, time level msg first, other keys sorted, quoted only when needed', () => {
  const [line] = linesOf('text', (l) => l.warn({ 'http.request.uri': '/v2/', 'http.request.host': '127.0.0.1:5000', status: 200 }, 'response completed'));
  assert.match(
    line ?? '',
    /^time="\S+" level=warning msg="response completed" http\.request\.host="127\.0\.0\.1:5000" http\.request\.uri=\/v2\/ service=registry status=200$/,
  );
  assert.match(line ?? '', /^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z" /);
});

test('json: one object per line with level, msg and time; errors by their message', () => {
  const [line] = linesOf('json', (l) => l.error({ err: new Error('disk full') }, 'upload failed'));
  const record = JSON.parse(line ?? '{}') as Record<string, unknown>;
  assert.equal(record['level'], 'error');
  assert.equal(record['msg'], 'upload failed');
  assert.equal(record['error'], 'disk full');
  assert.equal(record['service'], 'registry');
  assert.ok(typeof record['time'] === 'string' && !Number.isNaN(Date.parse(record['time'])));
});

test('logstash: @timestamp, @version "1", level and message', () => {
  const [line] = linesOf('logstash', (l) => l.info('listening'));
  const record = JSON.parse(line ?? '{}') as Record<string, unknown>;
  assert.equal(record['@version'], '1');
  assert.ok(!Number.isNaN(Date.parse(String(record['@timestamp']))));
  assert.equal(record['message'], 'listening');
  assert.equal(record['level'], 'info');
  assert.equal(record['msg'], undefined);
});

test('secrets are still redacted after formatting', () => {
  const [line] = linesOf('text', (l) => l.info({ url: '/v2/?token=abcdef' }, 'x'));
  assert.doesNotMatch(line ?? '', /abcdef/);
});
