/**
 * Secrets in requests never reach the log: the registry process is started with debug logging
 * and the access log on, sent credentials in every place a client puts them, and its real
 * output is searched for them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeResponse, send } from './oci-http.js';
import { RegistryProcess } from '../support/registry-process.js';

const SECRETS = {
  basicPassword: 'pw-S3CRET-basic',
  bearer: 'eyJS3CRETbearer.payload.signature',
  proxy: 'Pr0xyS3CRETtoken',
  cookie: 'cookie-S3CRET-session',
  setCookieLike: 'S3CRET-cookie-two',
  queryPassword: 'qp-S3CRET',
  queryToken: 'qt-S3CRET',
  queryAccessToken: 'qa-S3CRET',
  urlUserinfo: 'ui-S3CRET',
  httpSecret: 'http-secret-S3CRET-hmac',
};

describe('log redaction: a real registry process logs no credentials', { timeout: 60_000 }, () => {
  let registry: RegistryProcess;

  before(async () => {
    registry = await RegistryProcess.start({
      storage: 'inmemory',
      http: { secret: SECRETS.httpSecret },
      extraConfig: { log: { level: 'debug', formatter: 'json', accesslog: { disabled: false } } },
    });
  });
  after(async () => {
    await registry?.dispose();
  });

  it('Authorization, Proxy-Authorization and Cookie values and query-string credentials are masked', async () => {
    const basic = Buffer.from(`ci-robot:${SECRETS.basicPassword}`).toString('base64');
    const query = `password=${SECRETS.queryPassword}&token=${SECRETS.queryToken}&access_token=${SECRETS.queryAccessToken}`
      + `&next=${encodeURIComponent(`https://ci:${SECRETS.urlUserinfo}@hooks.example.com/`)}`;
    const requests: [string, string, Record<string, string>][] = [
      ['GET', `/v2/?${query}`, { Authorization: `Basic ${basic}`, 'Proxy-Authorization': `Bearer ${SECRETS.proxy}`, Cookie: `session=${SECRETS.cookie}` }],
      ['GET', `/v2/logs/nosuch/manifests/latest?${query}`, { Authorization: `Bearer ${SECRETS.bearer}`, Cookie: `a=${SECRETS.setCookieLike}` }],
      ['GET', `/v2/Bad_Name/tags/list?${query}`, { Authorization: `Basic ${basic}` }],
      ['POST', `/v2/logs/app/blobs/uploads/?digest=sha256:zz&${query}`, { Authorization: `Bearer ${SECRETS.bearer}` }],
    ];
    for (const [method, path, headers] of requests) {
      const response = await send(registry.url, method, path, { headers: { ...headers, 'Content-Length': '0' } });
      assert.ok(response.status > 0, describeResponse(response));
    }

    // The access log line of the last request shows the lines are really written.
    let logs = registry.logs;
    for (let i = 0; i < 30 && !logs.includes('"http.request.uri":"/v2/logs/app/blobs/uploads/'); i++) {
      await sleep(100);
      logs = registry.logs;
    }
    const accessLines = logs.split('\n').filter((line) => line.includes('"msg":"response completed"') && line.includes('?'));
    assert.ok(accessLines.length >= requests.length, `expected an access log line per request, got:\n${logs}`);
    assert.ok(accessLines.every((line) => line.includes('password=[redacted]') && line.includes('token=[redacted]')),
      `query credentials are masked in every access line:\n${accessLines.join('\n')}`);

    const leaked = Object.entries(SECRETS).filter(([, secret]) => logs.includes(secret)).map(([name]) => name);
    assert.deepEqual(leaked, [], `secrets found in the log output:\n${logs}`);
    assert.ok(!logs.includes(basic), 'the Basic credential (base64) appears in the log');
  });
});
