import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { describeResponse, errorCodes, header, send, type HttpResponse } from '../protocol/oci-http.js';
import { blobOf, DOCKER_MANIFEST_V2, pushBlob, pushImage, putManifest } from '../protocol/oci-operations.js';
import { freePort } from '../support/free-port.js';
import { RegistryProcess, type RegistryKind } from '../support/registry-process.js';

/*
 * The registry:2 image's own config.yml (log fields, inmemory blob descriptor cache, filesystem
 * storage, nosniff header, storage health check) plus what people add to it: a foreign-layer URL
 * allow/deny list, catalog.maxentries, log.formatter: text and a debug listener. The same requests
 * go to docker-registry and to Wharf; what a user checks must agree.
 */

const ALLOWED = 'https://cdn.example.com/layers/base.tar.gz';
const DENIED = 'https://www.example.com/layers/base.tar.gz';
const NOT_ALLOWED = 'https://mirror.other.org/base.tar.gz';

interface Running {
  kind: RegistryKind;
  registry: RegistryProcess;
  debug: string;
}

async function startWithImageDefaults(kind: RegistryKind, root: string): Promise<Running> {
  const debugPort = await freePort();
  const registry = await RegistryProcess.start({
    kind,
    storageRoot: root,
    http: { headers: { 'X-Content-Type-Options': ['nosniff'] }, debug: { addr: `127.0.0.1:${debugPort}` } },
    extraConfig: {
      log: { level: 'info', formatter: 'text', fields: { service: 'registry' } },
      storage: { cache: { blobdescriptor: 'inmemory' }, filesystem: { rootdirectory: root }, delete: { enabled: true } },
      health: { storagedriver: { enabled: true, interval: '10s', threshold: 3 } },
      validation: { manifests: { urls: { allow: ['^https?://([^/]+\\.)*example\\.com/'], deny: ['^https?://www\\.example\\.com/'] } } },
      catalog: { maxentries: 1 },
    },
  });
  return { kind, registry, debug: `http://127.0.0.1:${debugPort}` };
}

function foreignLayerManifest(config: { digest: string; bytes: Buffer }, url: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST_V2,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: config.digest, size: config.bytes.length },
      layers: [
        {
          mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
          digest: `sha256:${'5'.repeat(64)}`,
          size: 1_048_576,
          urls: [url],
        },
      ],
    }),
  );
}

/** Follows Link rel="next" from `path`; each page's repositories and status. */
async function catalogPages(base: string, path: string): Promise<{ status: number; repositories: string[]; link?: string }[]> {
  const pages = [];
  let next: string | undefined = path;
  for (let i = 0; next !== undefined && i < 10; i++) {
    const response: HttpResponse = await send(base, 'GET', next);
    const link = header(response, 'link');
    const body = JSON.parse(response.body.toString('utf8') || '{}') as { repositories?: string[] };
    pages.push({ status: response.status, repositories: body.repositories ?? [], ...(link === undefined ? {} : { link }) });
    next = link === undefined ? undefined : /<([^>]+)>/.exec(link)?.[1];
  }
  return pages;
}

/** logrus text lines: time="…" level=… msg="…" then key=value pairs. */
const LOGRUS_TEXT = /^time="[^"]+" level=(debug|info|warning|error|fatal|panic) msg=(?:"(?:[^"\\]|\\.)*"|\S+)(?: [\w.@-]+=(?:"(?:[^"\\]|\\.)*"|\S*))*$/;

describe('a registry:2 default config with validation, catalog, log and debug keys: Wharf answers as docker-registry does', { timeout: 240_000 }, () => {
  const runs: Running[] = [];
  const roots: string[] = [];

  before(async () => {
    for (const kind of ['reference', 'wharf'] as const) {
      const root = mkdtempSync(join(tmpdir(), `wharf-r2defaults-${kind}-`));
      roots.push(root);
      runs.push(await startWithImageDefaults(kind, root));
    }
    for (const { registry } of runs) {
      await pushImage(registry.url, 'alpha/app', 'v1');
      await pushImage(registry.url, 'beta/app', 'v1');
    }
  });

  after(async () => {
    await Promise.all(runs.map(({ registry }) => registry.dispose()));
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it('GET /v2/ is 200 with the configured header', async () => {
    for (const { kind, registry } of runs) {
      const response = await send(registry.url, 'GET', '/v2/');
      assert.equal(response.status, 200, `${kind}: ${describeResponse(response)}`);
      assert.equal(header(response, 'x-content-type-options'), 'nosniff', kind);
    }
  });

  it('a foreign layer URL on the allow list is accepted; a denied or unlisted one is refused and not stored', async () => {
    for (const { kind, registry } of runs) {
      const config = blobOf(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'windows', rootfs: { type: 'layers', diff_ids: [] } })));
      await pushBlob(registry.url, 'win/app', config);
      const allowed = await putManifest(registry.url, 'win/app', 'allowed', foreignLayerManifest(config, ALLOWED), DOCKER_MANIFEST_V2);
      assert.equal(allowed.status, 201, `${kind} allowed URL: ${describeResponse(allowed)}`);
      for (const [tag, url] of [['denied', DENIED], ['unlisted', NOT_ALLOWED]] as const) {
        const refused = await putManifest(registry.url, 'win/app', tag, foreignLayerManifest(config, url), DOCKER_MANIFEST_V2);
        if (kind === 'wharf') {
          // registry:2 answers 500 UNKNOWN here; Wharf says what is wrong, in the client's terms.
          assert.equal(refused.status, 400, `wharf ${tag}: ${describeResponse(refused)}`);
          assert.deepEqual(errorCodes(refused), ['MANIFEST_INVALID']);
          assert.ok(refused.body.toString('utf8').includes(url), `the detail names the URL: ${refused.body.toString('utf8')}`);
        } else {
          assert.ok(refused.status >= 400, `reference ${tag} refused: ${describeResponse(refused)}`);
        }
        const lookup = await send(registry.url, 'GET', `/v2/win/app/manifests/${tag}`, { headers: { Accept: DOCKER_MANIFEST_V2 } });
        assert.equal(lookup.status, 404, `${kind}: the refused ${tag} manifest is not stored`);
        assert.deepEqual(errorCodes(lookup), ['MANIFEST_UNKNOWN'], kind);
      }
    }
  });

  it('catalog.maxentries: 1 serves one repository per page, refuses a larger n, and n=0 is empty', async () => {
    const seen: Record<string, string[]> = {};
    for (const { kind, registry } of runs) {
      const pages = await catalogPages(registry.url, '/v2/_catalog');
      assert.ok(pages.every((p) => p.status === 200 && p.repositories.length <= 1), `${kind}: ${JSON.stringify(pages)}`);
      assert.ok(pages[0]?.link?.includes('n=1'), `${kind}: the first page links on with n=1: ${JSON.stringify(pages[0])}`);
      seen[kind] = pages.flatMap((p) => p.repositories);
      const tooMany = await send(registry.url, 'GET', '/v2/_catalog?n=2');
      assert.equal(tooMany.status, 400, `${kind}: ${describeResponse(tooMany)}`);
      assert.deepEqual(errorCodes(tooMany), ['PAGINATION_NUMBER_INVALID'], kind);
      const none = await catalogPages(registry.url, '/v2/_catalog?n=0');
      assert.deepEqual(none, [{ status: 200, repositories: [] }], kind);
    }
    assert.deepEqual(seen['wharf'], seen['reference']);
    assert.deepEqual(seen['wharf'], ['alpha/app', 'beta/app', 'win/app']);
  });

  it('/debug/health answers {} with 200 on http.debug.addr while healthy; other paths there are 404', async () => {
    for (const { kind, debug } of runs) {
      const health = await fetch(`${debug}/debug/health`);
      assert.equal(health.status, 200, kind);
      assert.match(health.headers.get('content-type') ?? '', /^application\/json/, kind);
      assert.deepEqual(await health.json(), {}, kind);
      const other = await fetch(`${debug}/nothing-here`);
      await other.arrayBuffer();
      assert.equal(other.status, 404, kind);
    }
  });

  it('log.formatter: text writes logrus lines, with a "response completed" line per request', async () => {
    for (const { kind, registry } of runs) {
      await send(registry.url, 'GET', '/v2/_catalog?n=1&marker=log-check');
      let lines: string[] = [];
      for (let i = 0; i < 50; i++) {
        lines = registry.logs.split('\n').filter((line) => line.startsWith('time='));
        if (lines.some((line) => line.includes('marker=log-check'))) break;
        await sleep(100);
      }
      const request = lines.find((line) => line.includes('msg="response completed"') && line.includes('marker=log-check'));
      assert.ok(request, `${kind}: a response completed line for the request, in:\n${lines.slice(-5).join('\n')}`);
      for (const field of ['http.request.method=GET', 'http.response.status=200', 'http.request.uri="/v2/_catalog?n=1&marker=log-check"']) {
        assert.ok(request.includes(field), `${kind}: ${field} in ${request}`);
      }
      assert.ok(lines.some((line) => / service=registry( |$)/.test(line)), `${kind}: log.fields reach the lines`);
      const malformed = lines.filter((line) => !LOGRUS_TEXT.test(line));
      assert.deepEqual(malformed, [], `${kind}: every time= line is a logrus text line`);
      if (kind === 'wharf') {
        const other = registry.logs.split('\n').filter((line) => line !== '' && !line.startsWith('time='));
        assert.deepEqual(other, [], 'Wharf writes nothing but logrus lines');
      }
    }
  });
});
