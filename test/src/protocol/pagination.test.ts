/**
 * Listing and partial reads: tags/list and _catalog paginated with `n`, `last` and the RFC 5988
 * `Link: <...>; rel="next"` header (distribution-spec "Listing Tags"; _catalog as in registry:2),
 * range GETs of a blob (RFC 9110 §14) and HEAD of blobs and manifests ("Checking if content exists").
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { describeResponse, header, parseRawResponse, rawExchange, send, type HttpResponse } from './oci-http.js';
import { blobOf, OCI_MANIFEST, pushBlob, pushImage, putManifest, type Blob, type Image } from './oci-operations.js';
import { RegistryProcess, targetKind } from '../support/registry-process.js';
import { referenceGap } from './registry-launcher.js';

const TAG_REPO = 'pages/tags';
/** Mixed case, digits, dots, dashes and underscores; no two equal when case is ignored. */
const TAGS = [
  'latest', 'v1', 'v1.0', 'v1.0.1', 'v1.10', 'v1.2', 'v10', 'v2', 'v2-rc1', 'v2_rc2', 'V3', 'Beta', 'alpha',
  '0', '00', '1.0', '9', '_under', 'a-b', 'a.b', 'a_c', 'zz', 'ZZZ',
];
/** Repositories chosen where pure string order and path-component order disagree ('-' and '.' sort before '/'). */
const REPOSITORIES = [
  TAG_REPO, 'cat/a', 'cat/a/b', 'cat/a-b', 'cat/b/c', 'cat-x', 'cat.y', 'cat_z', 'cat0', 'zeta', 'a1/b2/c3', 'pages',
];

const asciiOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const caseInsensitiveOrder = (a: string, b: string): number => asciiOrder(a.toLowerCase(), b.toLowerCase()) || asciiOrder(a, b);
/** registry:2's catalog order: compared as if '/' sorted before every other character. */
const pathOrder = (a: string, b: string): number => asciiOrder(a.replaceAll('/', '\u0000'), b.replaceAll('/', '\u0000'));

describe(`pagination, range reads and HEAD (${targetKind()})`, { timeout: 180_000 }, () => {
  let registry: RegistryProcess;
  let base: string;
  let image: Image;
  const smallBlob: Blob = blobOf(randomBytes(1000));

  before(async () => {
    registry = await RegistryProcess.start({ kind: targetKind(), storage: 'filesystem' });
    base = registry.url;
    image = await pushImage(base, TAG_REPO, TAGS[0]!);
    for (const tag of TAGS.slice(1)) {
      const response = await putManifest(base, TAG_REPO, tag, image.manifest);
      assert.equal(response.status, 201, `tag ${tag}: ${describeResponse(response)}`);
    }
    for (const name of REPOSITORIES.filter((repo) => repo !== TAG_REPO)) await pushImage(base, name, 'latest', name);
    await pushBlob(base, TAG_REPO, smallBlob);
  });
  after(async () => {
    await registry?.dispose();
  });

  describe('tags/list', () => {
    it('without n lists every tag exactly once', async () => {
      const page = await listTags(base, `/v2/${TAG_REPO}/tags/list`);
      assert.equal(page.body.name, TAG_REPO);
      assertSameSet(page.body.items, TAGS);
    });

    it('without n lists the tags in lexical order', referenceGap('2.8.2 returns tags in directory order, unsorted'), async () => {
      const page = await listTags(base, `/v2/${TAG_REPO}/tags/list`);
      assertSorted(page.body.items, [asciiOrder, caseInsensitiveOrder]);
    });

    for (const n of [1, 5, 7, TAGS.length - 1]) {
      it(`walks pages of n=${n} through Link rel="next": every tag once, in order`, referenceGap('2.8.2 ignores n and last on tags/list'), async () => {
        const seen = await walk(base, `/v2/${TAG_REPO}/tags/list?n=${n}`, n, listTags);
        assertSameSet(seen, TAGS);
        assertSorted(seen, [asciiOrder, caseInsensitiveOrder]);
      });
    }

    it('walks pages with last= alone (no Link followed) to the same list', referenceGap('2.8.2 ignores n and last on tags/list'), async () => {
      const all = (await listTags(base, `/v2/${TAG_REPO}/tags/list`)).body.items;
      const seen: string[] = [];
      let last = '';
      for (let guard = 0; guard <= TAGS.length; guard++) {
        const query = last ? `?n=4&last=${encodeURIComponent(last)}` : '?n=4';
        const page = await listTags(base, `/v2/${TAG_REPO}/tags/list${query}`);
        assert.ok(page.body.items.length <= 4, `page after ${last} has ${page.body.items.length} tags`);
        if (page.body.items.length === 0) break;
        seen.push(...page.body.items);
        last = page.body.items[page.body.items.length - 1]!;
      }
      assert.deepEqual(seen, all);
    });

    it('n=0 gives an empty list and no Link', referenceGap('2.8.2 ignores n on tags/list'), async () => {
      const page = await listTags(base, `/v2/${TAG_REPO}/tags/list?n=0`);
      assert.deepEqual(page.body.items, []);
      assert.equal(page.next, undefined);
    });

    it('n larger than the tag count gives everything and no Link', async () => {
      const page = await listTags(base, `/v2/${TAG_REPO}/tags/list?n=${TAGS.length + 10}`);
      assertSameSet(page.body.items, TAGS);
      assert.equal(page.next, undefined);
    });

    it('last= the final tag gives an empty list', referenceGap('2.8.2 ignores last on tags/list'), async () => {
      const all = (await listTags(base, `/v2/${TAG_REPO}/tags/list`)).body.items;
      const page = await listTags(base, `/v2/${TAG_REPO}/tags/list?n=5&last=${encodeURIComponent(all[all.length - 1]!)}`);
      assert.deepEqual(page.body.items, []);
      assert.equal(page.next, undefined);
    });
  });

  describe('_catalog', () => {
    it('without n lists every repository exactly once, in lexical order', async () => {
      const page = await listCatalog(base, '/v2/_catalog');
      assertSameSet(page.body.items, REPOSITORIES);
      assertSorted(page.body.items, [asciiOrder, pathOrder]);
    });

    for (const n of [1, 3, 5, REPOSITORIES.length]) {
      it(`walks pages of n=${n} through Link rel="next": every repository once, in order`, async () => {
        const seen = await walk(base, `/v2/_catalog?n=${n}`, n, listCatalog);
        assertSameSet(seen, REPOSITORIES);
        assertSorted(seen, [asciiOrder, pathOrder]);
      });
    }

    it('n=0 gives an empty list and no Link', async () => {
      const page = await listCatalog(base, '/v2/_catalog?n=0');
      assert.deepEqual(page.body.items, []);
      assert.equal(page.next, undefined);
    });
  });

  describe('range GET of a blob', () => {
    const cases: { range: string; start: number; end: number }[] = [
      { range: 'bytes=10-99', start: 10, end: 99 },
      { range: 'bytes=0-0', start: 0, end: 0 },
      { range: 'bytes=990-', start: 990, end: 999 },
      { range: 'bytes=-10', start: 990, end: 999 },
      { range: 'bytes=995-5000', start: 995, end: 999 },
    ];
    for (const { range, start, end } of cases) {
      it(`Range: ${range} → 206, Content-Range bytes ${start}-${end}/1000`, async () => {
        const response = await send(base, 'GET', `/v2/${TAG_REPO}/blobs/${smallBlob.digest}`, { headers: { Range: range } });
        assert.equal(response.status, 206, describeResponse(response));
        assert.equal(header(response, 'content-range'), `bytes ${start}-${end}/1000`);
        assert.equal(header(response, 'content-length'), String(end - start + 1));
        assert.deepEqual(response.body, smallBlob.bytes.subarray(start, end + 1));
      });
    }

    it('without Range → 200 with the whole blob', async () => {
      const response = await send(base, 'GET', `/v2/${TAG_REPO}/blobs/${smallBlob.digest}`);
      assert.equal(response.status, 200, describeResponse(response));
      assert.deepEqual(response.body, smallBlob.bytes);
      assert.equal(header(response, 'docker-content-digest'), smallBlob.digest);
    });
  });

  describe('HEAD', () => {
    it('of a blob: 200, Content-Length, Docker-Content-Digest, no body bytes on the wire', async () => {
      const head = await rawHead(base, `/v2/${TAG_REPO}/blobs/${smallBlob.digest}`);
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(smallBlob.bytes.length));
      assert.equal(head.headers.get('docker-content-digest'), smallBlob.digest);
      assert.equal(head.rest.length, 0, `HEAD sent ${head.rest.length} body bytes`);
    });

    for (const by of ['tag', 'digest'] as const) {
      it(`of a manifest by ${by}: 200, Content-Length, Docker-Content-Digest, Content-Type, no body bytes`, async () => {
        const reference = by === 'tag' ? 'v1.0' : image.digest;
        const head = await rawHead(base, `/v2/${TAG_REPO}/manifests/${reference}`, OCI_MANIFEST);
        assert.equal(head.status, 200);
        assert.equal(head.headers.get('content-length'), String(image.manifest.length));
        assert.equal(head.headers.get('docker-content-digest'), image.digest);
        assert.equal(head.headers.get('content-type')?.split(';')[0], OCI_MANIFEST);
        assert.equal(head.rest.length, 0, `HEAD sent ${head.rest.length} body bytes`);
      });
    }

    it('of an unknown blob: 404 and no body bytes', async () => {
      const head = await rawHead(base, `/v2/${TAG_REPO}/blobs/sha256:${'0'.repeat(64)}`);
      assert.equal(head.status, 404);
      assert.equal(head.rest.length, 0);
    });
  });
});

interface Page {
  body: { name?: string; items: string[] };
  next: string | undefined;
  response: HttpResponse;
}

async function listTags(base: string, path: string): Promise<Page> {
  const response = await send(base, 'GET', path);
  assert.equal(response.status, 200, `GET ${path}: ${describeResponse(response)}`);
  const parsed = JSON.parse(response.body.toString('utf8')) as { name?: string; tags?: string[] | null };
  return { body: { name: parsed.name, items: parsed.tags ?? [] }, next: nextLink(response), response };
}

async function listCatalog(base: string, path: string): Promise<Page> {
  const response = await send(base, 'GET', path);
  assert.equal(response.status, 200, `GET ${path}: ${describeResponse(response)}`);
  const parsed = JSON.parse(response.body.toString('utf8')) as { repositories?: string[] | null };
  return { body: { items: parsed.repositories ?? [] }, next: nextLink(response), response };
}

/** Follows Link rel="next" from `first`; each page holds at most n entries and only the last may be short. */
async function walk(base: string, first: string, n: number, list: (base: string, path: string) => Promise<Page>): Promise<string[]> {
  const seen: string[] = [];
  let path: string | undefined = first;
  for (let pages = 0; path; pages++) {
    assert.ok(pages < 100, 'pagination does not end');
    const page = await list(base, path);
    assert.ok(page.body.items.length <= n, `${path}: ${page.body.items.length} entries for n=${n}`);
    if (page.next) {
      assert.equal(page.body.items.length, n, `${path}: a page with a Link must be full`);
      const nextUrl = new URL(page.next, base);
      assert.equal(nextUrl.searchParams.get('n'), String(n), `Link ${page.next} must keep n`);
    }
    seen.push(...page.body.items);
    path = page.next ? relativeTarget(base, page.next) : undefined;
  }
  return seen;
}

/** The target of `Link: <url>; rel="next"`, or undefined. */
function nextLink(response: HttpResponse): string | undefined {
  const link = header(response, 'link');
  if (!link) return undefined;
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  assert.ok(match, `Link header ${JSON.stringify(link)} is not RFC 5988 with rel="next"`);
  return match[1];
}

function relativeTarget(base: string, link: string): string {
  const url = new URL(link, base);
  return `${url.pathname}${url.search}`;
}

function assertSameSet(actual: string[], expected: string[]): void {
  const duplicates = actual.filter((item, index) => actual.indexOf(item) !== index);
  assert.deepEqual(duplicates, [], 'entries listed more than once');
  assert.deepEqual([...actual].sort(), [...expected].sort());
}

/** Sorted by at least one of the orders the spec allows (checked as a whole, never mixed). */
function assertSorted(items: string[], orders: ((a: string, b: string) => number)[]): void {
  const ok = orders.some((order) => items.every((item, index) => index === 0 || order(items[index - 1]!, item) < 0));
  assert.ok(ok, `not in lexical order: ${JSON.stringify(items)}`);
}

async function rawHead(base: string, path: string, accept?: string): Promise<ReturnType<typeof parseRawResponse>> {
  const host = new URL(base).host;
  const lines = [`HEAD ${path} HTTP/1.1`, `Host: ${host}`, 'Connection: close'];
  if (accept) lines.push(`Accept: ${accept}`);
  const exchange = await rawExchange(base, `${lines.join('\r\n')}\r\n\r\n`);
  return parseRawResponse(exchange.received);
}
