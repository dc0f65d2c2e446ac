/**
 * The hostile-input table that bad-input.test.ts does not hold: oversized heads and bodies,
 * slow-drip clients, invalid UTF-8 and control characters, path traversal with backslashes and
 * absolute paths (in names, references, digests and upload ids), JSON bombs in manifests and
 * digest algorithm confusion. Wharf only (it uses Wharf's `limits:` section, set low so slow
 * clients are cut within a second).
 *
 * Each case lists the answers allowed (the first is Wharf's), as status + OCI error code. After
 * the table: the registry still answers, a normal push works, no file was written outside the
 * storage root and no escape marker exists anywhere near it.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeResponse, errorCodes, header, parseRawResponse, rawExchange, send, sha256, type HttpResponse } from './oci-http.js';
import {
  blobOf, imageManifest, layoutViolations, locationOf, OCI_CONFIG, OCI_ERROR_CODES, OCI_LAYER, OCI_MANIFEST, pushImage, putManifest,
  startUpload, walkFiles, withQuery, type Image,
} from './oci-operations.js';
import { RegistryProcess } from '../support/registry-process.js';
import { assertConfined } from '../support/storage-walk.js';

interface Outcome {
  status: number | 'no answer';
  code?: string;
}

interface Ctx {
  base: string;
  seed: Image;
  marker: string;
  cancel: string[];
  neverCommitted: string[];
}

interface HostileCase {
  id: string;
  request: string;
  expect: Outcome[];
  run: (ctx: Ctx) => Promise<HttpResponse | null>;
  verify?: (ctx: Ctx, response: HttpResponse | null) => Promise<void>;
}

const REPO = 'hostile/base';
const MiB = 1024 * 1024;
const LIMITS = { maxheaderbytes: 8192, headertimeout: '1s', bodyidletimeout: '1s' };
const octet = { 'Content-Type': 'application/octet-stream' };
const nameRefused: Outcome[] = [{ status: 400, code: 'NAME_INVALID' }, { status: 404 }];
const tagRefused: Outcome[] = [{ status: 400, code: 'MANIFEST_INVALID' }, { status: 400, code: 'TAG_INVALID' }, { status: 404 }];
const readRefused: Outcome[] = [{ status: 404, code: 'MANIFEST_UNKNOWN' }, { status: 400, code: 'MANIFEST_INVALID' }, { status: 400, code: 'TAG_INVALID' }, { status: 400, code: 'NAME_INVALID' }, { status: 404 }];
const digestInvalid: Outcome[] = [{ status: 400, code: 'DIGEST_INVALID' }];
const blobPathRefused: Outcome[] = [{ status: 400, code: 'DIGEST_INVALID' }, { status: 404, code: 'BLOB_UNKNOWN' }, { status: 404 }];
const uploadRefused: Outcome[] = [{ status: 404, code: 'BLOB_UPLOAD_UNKNOWN' }, { status: 400, code: 'BLOB_UPLOAD_INVALID' }, { status: 404 }];
const manifestInvalid: Outcome[] = [{ status: 400, code: 'MANIFEST_INVALID' }];
const cut: Outcome[] = [{ status: 'no answer' }, { status: 408 }];
/** Legacy codes clients still see from registry:2 (bad-input.test.ts allows the same). */
const LEGACY_CODES = new Set(['TAG_INVALID']);

/** Sends a request line and headers exactly as bytes (latin1), and reads the answer. */
async function rawRequest(ctx: Ctx, method: string, target: string, headers: string[] = [], body = Buffer.alloc(0)): Promise<HttpResponse | null> {
  const head = [`${method} ${target} HTTP/1.1`, `Host: ${new URL(ctx.base).host}`, 'Connection: close', `Content-Length: ${body.length}`, ...headers].join('\r\n');
  const exchange = await rawExchange(ctx.base, `${head}\r\n\r\n`, body, { timeoutMs: 10_000 });
  if (exchange.status === null) return null;
  const parsed = parseRawResponse(exchange.received);
  return { status: parsed.status, headers: Object.fromEntries(parsed.headers), body: parsed.rest };
}

/** Head (and the first `sent` bytes of a body announced as `promised`), then silence: the server must hang up. */
function slowDrip(ctx: Ctx, method: string, target: string, promised: number, sent: Buffer, completeHead = true): Promise<HttpResponse | null> {
  const url = new URL(target, ctx.base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const give = setTimeout(() => {
      socket.destroy();
      reject(new Error('the registry kept a silent connection open for 8 s'));
    }, 8_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(give);
      const received = Buffer.concat(chunks);
      if (received.length === 0) return resolve(null);
      const parsed = parseRawResponse(received);
      resolve({ status: parsed.status, headers: Object.fromEntries(parsed.headers), body: parsed.rest });
    });
    socket.once('connect', () => {
      const head = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Content-Type: application/octet-stream', `Content-Length: ${promised}`].join('\r\n');
      socket.write(completeHead ? `${head}\r\n\r\n` : `${head}\r\nX-Slow: `);
      if (completeHead) socket.write(sent);
    });
  });
}

async function assertTagAbsent(ctx: Ctx, tag: string): Promise<void> {
  const tags = await send(ctx.base, 'GET', `/v2/${REPO}/tags/list`);
  const listed = (JSON.parse(tags.body.toString('utf8')) as { tags?: string[] }).tags ?? [];
  assert.ok(!listed.includes(tag), `tag ${JSON.stringify(tag)} must not be listed`);
}

async function assertBlobAbsent(ctx: Ctx, digest: string): Promise<void> {
  const head = await send(ctx.base, 'HEAD', `/v2/${REPO}/blobs/${digest}`);
  assert.equal(head.status, 404, `blob ${digest} must not exist`);
}

/** A valid image manifest as text, with `extra` spliced in before the closing brace. */
function manifestWith(ctx: Ctx, extra: string): Buffer {
  const base = imageManifest(ctx.seed.config, [ctx.seed.layer]).toString('utf8');
  return Buffer.from(`${base.slice(0, -1)},${extra}}`);
}

/** An OCI image manifest written by hand from raw JSON text, so the tests can put anything in it. */
function rawManifest(configJson: string, layersJson: string): Buffer {
  return Buffer.from(`{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","config":${configJson},"layers":[${layersJson}]}`);
}

function descriptor(mediaType: string, digest: string, size: number): string {
  return JSON.stringify({ mediaType, digest, size });
}

const sha512 = (bytes: Buffer): string => `sha512:${createHash('sha512').update(bytes).digest('hex')}`;

const CASES: HostileCase[] = [
  // ---- oversized heads and bodies -------------------------------------------------------------
  {
    id: 'head-one-big-header',
    request: 'GET /v2/ with one 10 KB header (limit 8 KiB)',
    expect: [{ status: 431, code: 'SIZE_INVALID' }],
    run: (ctx) => send(ctx.base, 'GET', '/v2/', { headers: { 'X-Padding': 'p'.repeat(10_000) } }),
  },
  {
    id: 'head-many-headers',
    request: 'GET /v2/ with 600 small headers',
    expect: [{ status: 431, code: 'SIZE_INVALID' }],
    run: (ctx) => rawRequest(ctx, 'GET', '/v2/', Array.from({ length: 600 }, (_, i) => `X-H${i}: ${'v'.repeat(10)}`)),
  },
  {
    id: 'head-huge-url',
    request: 'GET /v2/<12 KB name>/tags/list',
    expect: [{ status: 431, code: 'SIZE_INVALID' }, ...nameRefused],
    run: (ctx) => send(ctx.base, 'GET', `/v2/${'a'.repeat(12_000)}/tags/list`),
  },
  {
    id: 'manifest-declared-huge',
    request: 'PUT manifest announcing Content-Length 10 GiB (100 bytes sent)',
    expect: [{ status: 413, code: 'MANIFEST_INVALID' }, { status: 400, code: 'MANIFEST_INVALID' }],
    run: async (ctx) => {
      const exchange = await rawExchange(ctx.base,
        `PUT /v2/${REPO}/manifests/declared-huge HTTP/1.1\r\nHost: x\r\nContent-Type: ${OCI_MANIFEST}\r\nContent-Length: ${10 * 1024 * MiB}\r\n\r\n`,
        Buffer.alloc(100, 0x20), { timeoutMs: 10_000 });
      if (exchange.status === null) return null;
      const parsed = parseRawResponse(exchange.received);
      return { status: parsed.status, headers: Object.fromEntries(parsed.headers), body: parsed.rest };
    },
    verify: (ctx) => assertTagAbsent(ctx, 'declared-huge'),
  },
  {
    id: 'manifest-chunked-over-limit',
    request: 'PUT a 6 MiB manifest with chunked encoding (no Content-Length)',
    expect: [{ status: 413, code: 'MANIFEST_INVALID' }, { status: 'no answer' }],
    run: async (ctx) => {
      const body = manifestWith(ctx, `"annotations":{"pad":"${'x'.repeat(6 * MiB)}"}`);
      async function* chunks(): AsyncGenerator<Buffer> {
        for (let offset = 0; offset < body.length; offset += 256 * 1024) yield body.subarray(offset, offset + 256 * 1024);
      }
      return send(ctx.base, 'PUT', `/v2/${REPO}/manifests/chunked-big`, { headers: { 'Content-Type': OCI_MANIFEST }, body: chunks() })
        .catch(() => null);
    },
    verify: (ctx) => assertTagAbsent(ctx, 'chunked-big'),
  },
  // ---- slow clients ---------------------------------------------------------------------------
  {
    id: 'slow-head',
    request: 'a request head that never ends (headertimeout 1s)',
    expect: cut,
    run: (ctx) => slowDrip(ctx, 'GET', '/v2/', 0, Buffer.alloc(0), false),
  },
  {
    id: 'slow-drip-patch',
    request: 'PATCH announcing 4000 bytes, 1000 sent, then silence (bodyidletimeout 1s)',
    expect: cut,
    run: async (ctx) => {
      const upload = await startUpload(ctx.base, REPO);
      ctx.cancel.push(upload);
      return slowDrip(ctx, 'PATCH', upload, 4000, randomBytes(1000));
    },
    verify: async (ctx) => {
      const upload = ctx.cancel[ctx.cancel.length - 1]!;
      let status = await send(ctx.base, 'GET', upload);
      for (let i = 0; i < 20 && header(status, 'range') !== '0-999'; i++) {
        await sleep(100);
        status = await send(ctx.base, 'GET', upload);
      }
      assert.equal(status.status, 204, `the upload survives the cut: ${describeResponse(status)}`);
      assert.equal(header(status, 'range'), '0-999', 'and keeps the bytes that arrived');
    },
  },
  {
    id: 'slow-drip-monolithic',
    request: 'POST ?digest= announcing 4000 bytes, 1000 sent, then silence',
    expect: cut,
    run: (ctx) => {
      const full = randomBytes(4000);
      ctx.neverCommitted.push(sha256(full));
      return slowDrip(ctx, 'POST', `/v2/${REPO}/blobs/uploads/?digest=${sha256(full)}`, 4000, full.subarray(0, 1000));
    },
    verify: (ctx) => assertBlobAbsent(ctx, ctx.neverCommitted[ctx.neverCommitted.length - 1]!),
  },
  {
    id: 'slow-drip-manifest',
    request: 'PUT manifest announcing 2000 bytes, 100 sent, then silence',
    expect: cut,
    run: (ctx) => slowDrip(ctx, 'PUT', `/v2/${REPO}/manifests/dripped`, 2000, ctx.seed.manifest.subarray(0, 100)),
    verify: (ctx) => assertTagAbsent(ctx, 'dripped'),
  },
  // ---- invalid UTF-8 and control characters ---------------------------------------------------
  {
    id: 'name-raw-invalid-utf8',
    request: 'GET /v2/<raw bytes FF FE>/tags/list',
    expect: [...nameRefused, { status: 400 }],
    run: (ctx) => rawRequest(ctx, 'GET', '/v2/hostile/\xff\xfe/tags/list'),
  },
  {
    id: 'name-encoded-invalid-utf8',
    request: 'POST /v2/hostile/%FF%FE/blobs/uploads/',
    expect: nameRefused,
    run: (ctx) => send(ctx.base, 'POST', '/v2/hostile/%FF%FE/blobs/uploads/', { headers: { 'Content-Length': 0 } }),
  },
  {
    id: 'name-encoded-nul',
    request: 'POST /v2/hostile/a%00b/blobs/uploads/',
    expect: nameRefused,
    run: (ctx) => send(ctx.base, 'POST', '/v2/hostile/a%00b/blobs/uploads/', { headers: { 'Content-Length': 0 } }),
  },
  {
    id: 'name-homoglyph',
    request: 'POST /v2/hostile/b%D0%B0se/blobs/uploads/ (Cyrillic a)',
    expect: nameRefused,
    run: (ctx) => send(ctx.base, 'POST', '/v2/hostile/b%D0%B0se/blobs/uploads/', { headers: { 'Content-Length': 0 } }),
  },
  ...['%C3%28', '%00', '%7F', '%09tab', 'a%0Db', '%E2%80%AE', '%F0%9F%90%B3'].map((tag): HostileCase => ({
    id: `tag-bytes ${tag}`,
    request: `PUT /manifests/${tag} (invalid UTF-8, control, bidi or non-ASCII)`,
    expect: tagRefused,
    run: (ctx) => putManifest(ctx.base, REPO, tag, ctx.seed.manifest),
    verify: async (ctx) => {
      const listed = (JSON.parse((await send(ctx.base, 'GET', `/v2/${REPO}/tags/list`)).body.toString('utf8')) as { tags?: string[] }).tags ?? [];
      assert.deepEqual(listed.filter((t) => !/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(t)), [], 'only valid tags are listed');
    },
  })),
  {
    id: 'tag-header-injection',
    request: 'PUT /manifests/x%0D%0ASet-Cookie:%20pwned=1 (a ":" makes it a digest reference)',
    expect: [...tagRefused, ...digestInvalid],
    run: (ctx) => putManifest(ctx.base, REPO, 'x%0D%0ASet-Cookie:%20pwned=1', ctx.seed.manifest),
    verify: async (_ctx, response) => assert.equal(response?.headers['set-cookie'], undefined, 'no header may be injected'),
  },
  {
    id: 'digest-control-char',
    request: 'GET /blobs/sha256:%00<63 hex>',
    expect: blobPathRefused,
    run: (ctx) => send(ctx.base, 'GET', `/v2/${REPO}/blobs/sha256:%00${'a'.repeat(63)}`),
  },
  // ---- path traversal: backslashes, absolute paths, references, digests, upload ids -----------
  ...[
    ['backslash raw', 'hostile\\..\\..\\MARKER'],
    ['backslash encoded', 'hostile%5C..%5C..%5CMARKER'],
    ['absolute path', '/etc/MARKER'],
    ['absolute path encoded', '%2Fetc%2FMARKER'],
    ['dot segment in the middle, encoded', 'hostile/%2E%2E%2F%2E%2E%2FMARKER'],
  ].map(([label, path]): HostileCase => ({
    id: `name-traversal: ${label}`,
    request: `POST /v2/${path}/blobs/uploads/`,
    expect: nameRefused,
    run: async (ctx) => {
      const response = await send(ctx.base, 'POST', `/v2/${path!.replace('MARKER', ctx.marker)}/blobs/uploads/`, { headers: { 'Content-Length': 0 } });
      if (response.status === 202) ctx.cancel.push(locationOf(ctx.base, response));
      return response;
    },
  })),
  ...[
    ['encoded ../', '..%2F..%2F..%2F..%2FMARKER'],
    ['backslashes', '..%5C..%5C..%5CMARKER'],
    ['absolute', '%2Ftmp%2FMARKER'],
  ].flatMap(([label, reference]): HostileCase[] => [
    {
      id: `reference-traversal-put: ${label}`,
      request: `PUT /manifests/${reference}`,
      expect: tagRefused,
      run: (ctx) => putManifest(ctx.base, REPO, reference!.replace('MARKER', ctx.marker), ctx.seed.manifest),
    },
    {
      id: `reference-traversal-get: ${label}`,
      request: `GET /manifests/${reference}`,
      expect: readRefused,
      run: (ctx) => send(ctx.base, 'GET', `/v2/${REPO}/manifests/${reference!.replace('MARKER', ctx.marker)}`, { headers: { Accept: OCI_MANIFEST } }),
    },
  ]),
  {
    id: 'digest-traversal-path',
    request: 'GET /blobs/sha256:..%2F..%2F..%2F<marker>',
    expect: blobPathRefused,
    run: (ctx) => send(ctx.base, 'GET', `/v2/${REPO}/blobs/sha256:..%2F..%2F..%2F${ctx.marker}`),
  },
  {
    id: 'digest-traversal-query',
    request: 'PUT upload ?digest=sha256:../../../../tmp/<marker>',
    expect: digestInvalid,
    run: async (ctx) => {
      const upload = await startUpload(ctx.base, REPO);
      ctx.cancel.push(upload);
      return send(ctx.base, 'PUT', withQuery(upload, 'digest', `sha256:../../../../tmp/${ctx.marker}`), { headers: octet, body: randomBytes(10) });
    },
  },
  {
    id: 'digest-absolute-query',
    request: 'POST ?digest=/etc/passwd',
    expect: digestInvalid,
    run: (ctx) => send(ctx.base, 'POST', `/v2/${REPO}/blobs/uploads/?digest=%2Fetc%2Fpasswd`, { headers: octet, body: randomBytes(10) }),
  },
  {
    id: 'mount-from-traversal',
    request: 'POST ?mount=<seed layer>&from=..%2F..%2F<marker>',
    expect: [{ status: 202 }, ...nameRefused],
    run: async (ctx) => {
      const response = await send(ctx.base, 'POST', `/v2/hostile/mounted/blobs/uploads/?mount=${ctx.seed.layer.digest}&from=..%2F..%2F${ctx.marker}`, { headers: { 'Content-Length': 0 } });
      if (response.status === 202) ctx.cancel.push(locationOf(ctx.base, response));
      return response;
    },
    verify: async (ctx) => {
      const head = await send(ctx.base, 'HEAD', `/v2/hostile/mounted/blobs/${ctx.seed.layer.digest}`);
      assert.equal(head.status, 404, 'nothing was mounted from an invalid repository');
    },
  },
  {
    id: 'mount-malformed-digest',
    request: 'POST ?mount=sha256:zz&from=hostile/base',
    expect: [{ status: 202 }, ...digestInvalid],
    run: async (ctx) => {
      const response = await send(ctx.base, 'POST', `/v2/hostile/mounted/blobs/uploads/?mount=sha256:zz&from=${REPO}`, { headers: { 'Content-Length': 0 } });
      if (response.status === 202) ctx.cancel.push(locationOf(ctx.base, response));
      return response;
    },
  },
  ...[
    ['absolute', '%2Fetc%2FMARKER'],
    ['backslashes', '..%5C..%5C..%5CMARKER'],
    ['uuid then ../', `${randomUUID()}%2F..%2F..%2FMARKER`],
  ].map(([label, id]): HostileCase => ({
    id: `upload-id-traversal: ${label}`,
    request: `PATCH /blobs/uploads/${id}`,
    expect: uploadRefused,
    run: (ctx) => send(ctx.base, 'PATCH', `/v2/${REPO}/blobs/uploads/${id!.replace('MARKER', ctx.marker)}`, { headers: octet, body: randomBytes(100) }),
  })),
  // ---- JSON bombs -----------------------------------------------------------------------------
  {
    id: 'json-deep-nesting-annotation',
    request: 'PUT manifest with an annotation nested 1 000 000 arrays deep (2 MB)',
    expect: manifestInvalid,
    run: (ctx) => putManifest(ctx.base, REPO, 'deep', manifestWith(ctx, `"annotations":{"a":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`)),
    verify: (ctx) => assertTagAbsent(ctx, 'deep'),
  },
  {
    id: 'json-deep-nesting-unknown-field',
    request: 'PUT manifest with an unknown field nested 100 arrays deep (Go clients refuse such manifests)',
    expect: manifestInvalid,
    run: (ctx) => putManifest(ctx.base, REPO, 'deep-field', manifestWith(ctx, `"x":${'['.repeat(100)}${']'.repeat(100)}`)),
    verify: (ctx) => assertTagAbsent(ctx, 'deep-field'),
  },
  {
    id: 'json-annotation-not-string',
    request: 'PUT manifest with an annotation whose value is an object (image-spec: values MUST be strings)',
    expect: manifestInvalid,
    run: (ctx) => putManifest(ctx.base, REPO, 'annotation-object', manifestWith(ctx, '"annotations":{"a":{"b":"c"}}')),
    verify: (ctx) => assertTagAbsent(ctx, 'annotation-object'),
  },
  {
    id: 'json-deep-objects',
    request: 'PUT manifest whose config is nested 200 000 objects deep',
    expect: manifestInvalid,
    run: (ctx) => {
      const bomb = `${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}`;
      return putManifest(ctx.base, REPO, 'deep-objects', rawManifest(bomb, ''));
    },
    verify: (ctx) => assertTagAbsent(ctx, 'deep-objects'),
  },
  {
    id: 'json-huge-array',
    request: 'PUT manifest whose layers are 1 000 000 numbers',
    expect: manifestInvalid,
    run: (ctx) => {
      const config = descriptor(OCI_CONFIG, ctx.seed.config.digest, ctx.seed.config.bytes.length);
      return putManifest(ctx.base, REPO, 'huge-array', rawManifest(config, new Array(1_000_000).fill('0').join(',')));
    },
    verify: (ctx) => assertTagAbsent(ctx, 'huge-array'),
  },
  {
    id: 'json-many-missing-layers',
    request: 'PUT manifest with 20 000 layers the registry does not have',
    expect: [{ status: 400, code: 'MANIFEST_BLOB_UNKNOWN' }, ...manifestInvalid],
    run: (ctx) => {
      const layers = Array.from({ length: 20_000 }, () => blobOf(randomBytes(8)));
      return putManifest(ctx.base, REPO, 'many-missing', imageManifest(ctx.seed.config, layers));
    },
    verify: (ctx) => assertTagAbsent(ctx, 'many-missing'),
  },
  {
    id: 'json-huge-digest-string',
    request: 'PUT manifest whose config digest is a 3 MiB string',
    expect: [...manifestInvalid, ...digestInvalid],
    run: (ctx) => {
      const config = descriptor(OCI_CONFIG, `sha256:${'a'.repeat(3 * MiB)}`, 2);
      const layer = descriptor(OCI_LAYER, ctx.seed.layer.digest, ctx.seed.layer.bytes.length);
      return putManifest(ctx.base, REPO, 'huge-string', rawManifest(config, layer));
    },
    verify: (ctx) => assertTagAbsent(ctx, 'huge-string'),
  },
  {
    id: 'json-duplicate-layers-key',
    request: 'PUT manifest with "layers" twice (a valid list, then [] — parsers disagree on which wins)',
    expect: manifestInvalid,
    run: (ctx) => putManifest(ctx.base, REPO, 'dup-layers', manifestWith(ctx, '"layers":[]')),
    verify: (ctx) => assertTagAbsent(ctx, 'dup-layers'),
  },
  {
    id: 'json-duplicate-config-digest',
    request: 'PUT manifest whose config descriptor has "digest" twice',
    expect: manifestInvalid,
    run: (ctx) => {
      const config = `{"mediaType":"${OCI_CONFIG}","digest":"${ctx.seed.config.digest}","size":${ctx.seed.config.bytes.length},"digest":"${sha256(randomBytes(4))}"}`;
      const layer = descriptor(OCI_LAYER, ctx.seed.layer.digest, ctx.seed.layer.bytes.length);
      return putManifest(ctx.base, REPO, 'dup-digest', rawManifest(config, layer));
    },
    verify: (ctx) => assertTagAbsent(ctx, 'dup-digest'),
  },
  {
    id: 'json-proto-key',
    request: 'PUT manifest with a "__proto__" member (control: stored as pushed, nothing polluted)',
    expect: [{ status: 201 }, ...manifestInvalid],
    run: (ctx) => putManifest(ctx.base, REPO, 'proto', manifestWith(ctx, '"__proto__":{"polluted":true}')),
    verify: async (ctx, response) => {
      if (response?.status !== 201) return;
      const pulled = await send(ctx.base, 'GET', `/v2/${REPO}/manifests/proto`, { headers: { Accept: OCI_MANIFEST } });
      assert.equal(pulled.body.toString('utf8'), manifestWith(ctx, '"__proto__":{"polluted":true}').toString('utf8'), 'served byte for byte');
    },
  },
  // ---- digest algorithm confusion ---------------------------------------------------------------
  {
    id: 'digest-sha512-label-on-sha256-hex',
    request: 'PUT upload ?digest=sha512:<the body\'s sha256 hex>',
    expect: digestInvalid,
    run: async (ctx) => {
      const body = randomBytes(100);
      ctx.neverCommitted.push(sha256(body));
      const upload = await startUpload(ctx.base, REPO);
      ctx.cancel.push(upload);
      return send(ctx.base, 'PUT', withQuery(upload, 'digest', `sha512:${sha256(body).slice(7)}`), { headers: octet, body });
    },
    verify: (ctx) => assertBlobAbsent(ctx, ctx.neverCommitted[ctx.neverCommitted.length - 1]!),
  },
  {
    id: 'digest-sha256-label-on-sha512-hex',
    request: 'PUT upload ?digest=sha256:<the body\'s sha512 hex (128 chars)>',
    expect: digestInvalid,
    run: async (ctx) => {
      const body = randomBytes(100);
      const upload = await startUpload(ctx.base, REPO);
      ctx.cancel.push(upload);
      return send(ctx.base, 'PUT', withQuery(upload, 'digest', `sha256:${sha512(body).slice(7)}`), { headers: octet, body });
    },
  },
  {
    id: 'digest-sha512-control',
    request: 'POST ?digest=sha512:<right> (control: 201), then GET by sha512 works and by the sha256 of the same bytes is 404',
    expect: [{ status: 201 }],
    run: (ctx) => {
      const body = randomBytes(300);
      ctx.neverCommitted.push(sha256(body));
      return send(ctx.base, 'POST', `/v2/${REPO}/blobs/uploads/?digest=${sha512(body)}`, { headers: octet, body });
    },
    verify: async (ctx, response) => {
      const location = response ? header(response, 'location') : undefined;
      assert.ok(location?.includes('sha512:'), `Location names the sha512 digest: ${location}`);
      const byOther = await send(ctx.base, 'GET', `/v2/${REPO}/blobs/${ctx.neverCommitted[ctx.neverCommitted.length - 1]}`);
      assert.equal(byOther.status, 404, 'a blob pushed by sha512 is not found under its sha256');
    },
  },
  ...[
    ['unknown algorithm blake3', (hex: string) => `blake3:${hex}`],
    ['algorithm in upper case', (hex: string) => `SHA256:${hex}`],
    ['trailing newline', (hex: string) => `sha256:${hex}\n`],
    ['leading space', (hex: string) => ` sha256:${hex}`],
    ['no algorithm', (hex: string) => hex],
    ['65 hex characters', (hex: string) => `sha256:${hex}0`],
    ['empty hex', () => 'sha256:'],
  ].map(([label, make]): HostileCase => ({
    id: `digest-form: ${label as string}`,
    request: `POST ?digest= with ${label as string}`,
    expect: [...digestInvalid, { status: 400, code: 'UNSUPPORTED' }],
    run: (ctx) => {
      const body = randomBytes(64);
      ctx.neverCommitted.push(sha256(body));
      return send(ctx.base, 'POST', `/v2/${REPO}/blobs/uploads/?digest=${encodeURIComponent((make as (hex: string) => string)(sha256(body).slice(7)))}`, { headers: octet, body });
    },
    verify: (ctx) => assertBlobAbsent(ctx, ctx.neverCommitted[ctx.neverCommitted.length - 1]!),
  })),
  {
    id: 'manifest-layer-digest-uppercase',
    request: 'PUT manifest whose layer digest is the right one in upper-case hex',
    expect: [...manifestInvalid, ...digestInvalid, { status: 400, code: 'MANIFEST_BLOB_UNKNOWN' }],
    run: (ctx) => {
      const config = descriptor(OCI_CONFIG, ctx.seed.config.digest, ctx.seed.config.bytes.length);
      const layer = descriptor(OCI_LAYER, `sha256:${ctx.seed.layer.digest.slice(7).toUpperCase()}`, ctx.seed.layer.bytes.length);
      return putManifest(ctx.base, REPO, 'upper-layer', rawManifest(config, layer));
    },
    verify: (ctx) => assertTagAbsent(ctx, 'upper-layer'),
  },
  {
    id: 'manifest-by-sha512-of-stored',
    request: 'GET /manifests/sha512:<sha512 of the seed manifest> (stored under its sha256)',
    expect: [{ status: 404, code: 'MANIFEST_UNKNOWN' }],
    run: (ctx) => send(ctx.base, 'GET', `/v2/${REPO}/manifests/${sha512(ctx.seed.manifest)}`, { headers: { Accept: OCI_MANIFEST } }),
  },
];

/**
 * The shared layout table knows sha256 only; a sha512 blob (pushed by one case) uses the same
 * registry:2 layout with 128 hex digits, so it is checked as the sha256 path of the same shape.
 */
function asSha256Layout(file: string): string {
  return file
    .replace(/\/blobs\/sha512\/[0-9a-f]{2}\/([0-9a-f]{128})\//, (_match, hex: string) => `/blobs/sha256/${hex.slice(0, 2)}/${hex.slice(0, 64)}/`)
    .replace(/\/sha512\/([0-9a-f]{128})\//, (_match, hex: string) => `/sha256/${hex.slice(0, 64)}/`);
}

function matches(response: HttpResponse | null, outcome: Outcome): boolean {
  if (response === null) return outcome.status === 'no answer';
  if (response.status !== outcome.status) return false;
  return outcome.code === undefined || (errorCodes(response)?.includes(outcome.code) ?? false);
}

const format = (outcomes: Outcome[]): string => outcomes.map((o) => `${o.status}${o.code ? ` ${o.code}` : ''}`).join(' | ');

/** Names containing the marker, anywhere under `dir` (depth-limited) and in every folder from it up to `/`. */
function markerSightings(dir: string, marker: string): string[] {
  const lower = marker.toLowerCase();
  const found: string[] = [];
  const visit = (path: string, depth: number): void => {
    let entries: string[] = [];
    try {
      entries = readdirSync(path);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.toLowerCase().includes(lower)) found.push(join(path, entry));
      if (depth > 0) visit(join(path, entry), depth - 1);
    }
  };
  visit(dir, 20);
  for (let up = dirname(dir); ; up = dirname(up)) {
    visit(up, 0);
    if (dirname(up) === up) break;
  }
  return found;
}

describe('hostile input (wharf, limits on)', { timeout: 300_000 }, () => {
  let registry: RegistryProcess;
  let ctx: Ctx;

  before(async () => {
    registry = await RegistryProcess.start({ kind: 'wharf', storage: 'filesystem', extraConfig: { limits: LIMITS } });
    ctx = { base: registry.url, seed: undefined as unknown as Image, marker: `wharf-escape-${randomUUID().slice(0, 8)}`, cancel: [], neverCommitted: [] };
    ctx.seed = await pushImage(ctx.base, REPO, 'seed');
  });
  after(async () => {
    await registry?.dispose();
  });

  for (const testCase of CASES) {
    it(`${testCase.id}: ${testCase.request} → ${format(testCase.expect)}`, async () => {
      ctx.cancel = [];
      try {
        const response = await testCase.run(ctx);
        assert.ok(testCase.expect.some((outcome) => matches(response, outcome)), `expected ${format(testCase.expect)}, got ${describeResponse(response)}`);
        for (const code of response ? (errorCodes(response) ?? []) : []) {
          assert.ok(OCI_ERROR_CODES.has(code) || LEGACY_CODES.has(code), `error code ${code} is not in the spec's table`);
        }
        await testCase.verify?.(ctx, response);
        const alive = await send(ctx.base, 'GET', '/v2/', { timeoutMs: 5_000 });
        assert.equal(alive.status, 200, `the registry must stay up after ${testCase.id}`);
      } finally {
        for (const url of ctx.cancel) await send(ctx.base, 'DELETE', url).catch(() => undefined);
      }
    });
  }

  it('still serves a normal push right after the table', async () => {
    const image = await pushImage(ctx.base, 'hostile/after', 'ok');
    const pulled = await send(ctx.base, 'GET', '/v2/hostile/after/manifests/ok', { headers: { Accept: OCI_MANIFEST } });
    assert.equal(pulled.status, 200, describeResponse(pulled));
    assert.equal(sha256(pulled.body), image.digest);
  });

  it('committed no blob from a refused or cut upload', async () => {
    for (const digest of ctx.neverCommitted) {
      const head = await send(ctx.base, 'HEAD', `/v2/${REPO}/blobs/${digest}`);
      assert.equal(head.status, 404, `${digest} must not exist`);
    }
  });

  it('kept to its storage root: registry:2 layout only, nothing beside the root, no escape marker anywhere', async () => {
    const root = registry.storageRoot!;
    assertConfined(root);
    const files = await walkFiles(root);
    assert.deepEqual(layoutViolations(files.map(asSha256Layout)), []);
    assert.deepEqual(markerSightings(dirname(dirname(root)), ctx.marker), []);
  });
});

