import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeHtpasswd } from '../auth/auth-fixtures.js';
import { TestCertificateAuthority } from '../support/certificates.js';
import { freePort } from '../support/free-port.js';
import { repoRoot } from '../support/tools.js';

/*
 * Every config.yml the seed articles print (libs/config/test-fixtures, see its README), started
 * with the real `bin/wharf serve`: its local paths pointed at temporary files (a real certificate,
 * key and htpasswd file where it names them), its listen addresses at free loopback ports, and
 * every other host left as printed. Each must end one of two ways, cleanly and in bounded time:
 * `/v2/` answers 200 or 401, or the process exits non-zero with one `configuration error` line that
 * names the key (or, for YAML that does not parse, the line) — never a stack trace, never a hang.
 *
 * Which of the two each gives is expected to change while drivers and sections are added, so the
 * outcome is not asserted: TODAY records it, with the reason, and a different outcome is reported
 * as a diagnostic of the test, for the table to be brought up to date in the same change.
 */

type Outcome = { serves: 200 | 401 } | { refused: string };

interface SeedConfig {
  fixture: string;
  /** Where the seed prints it: file in ../shared/seeds, line of its first line. */
  printed: string;
  today: Outcome;
  why: string;
}

const TODAY: SeedConfig[] = [
  { fixture: 'tls-auth-registry.yml', printed: '000 l.391', today: { serves: 401 }, why: 'filesystem, TLS and htpasswd all work: HTTPS /v2/ asks for credentials' },
  { fixture: 'azure-config.yml', printed: '000 l.585', today: { serves: 200 }, why: 'the azure driver starts without reaching the (placeholder) account; /v2/ needs no storage call' },
  { fixture: 's3-config.yml', printed: '000 l.629', today: { serves: 200 }, why: 'the s3 driver starts; its placeholder region has no endpoint to reach, which is logged as storage not usable' },
  { fixture: 'rados-config.yml', printed: '000 l.676', today: { refused: 'storage' }, why: 'the article repeats `storage:`, which YAML forbids; the key and both lines are named' },
  { fixture: 'redis-config.yml', printed: '000 l.711', today: { serves: 200 }, why: 'S3 storage with the redis descriptor cache: starts as s3-config.yml does; the placeholder Redis is not on the request path' },
  { fixture: 'scalable-config.yml', printed: '000 l.772', today: { refused: 'middleware.storage[0].options.duration' }, why: 'CloudFront middleware with `duration: 3000`, a bare number registry:2 silently ignores (it uses 20m): Wharf asks for a duration' },
  { fixture: 'hooks-config.yml', printed: '000 l.910', today: { serves: 200 }, why: 'filesystem storage; the webhook endpoint is delivered from the spool without Redis' },
  { fixture: 'sample-config-002.yml', printed: '002 l.324', today: { refused: 'enabled' }, why: 'printed with its indentation lost: keys repeat at the top level' },
  { fixture: 'sample-config-003.yml', printed: '003 l.263', today: { refused: 'line 88' }, why: 'the htpasswd `path:` is printed at column 1: a YAML syntax error' },
];

const FIXTURES = join(repoRoot, 'libs', 'config', 'test-fixtures');
/** From spawn to an answer or an exit; then from SIGTERM to the exit. */
const START_BOUND_MS = 45_000;
const STOP_BOUND_MS = 25_000;
const STACK_TRACE = /\n\s+at .+:\d+:\d+|\bat (async )?[\w.<>]+ \(/;

describe('the seed articles\' config files start or are refused by name', () => {
  let scratch = '';
  let ca: TestCertificateAuthority;
  /** Every local path a seed config names, and the temporary file it is pointed at. */
  let paths: Record<string, string> = {};

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'wharf-seed-configs-'));
    ca = await TestCertificateAuthority.create('seeds');
    const server = await ca.server('registry', ['127.0.0.1', 'localhost']);
    const htpasswd = join(scratch, 'registry.password');
    writeHtpasswd(htpasswd, { seed: 'seed-Pa55word!' });
    const empty = join(scratch, 'empty-file');
    writeFileSync(empty, '');
    const caCopy = join(scratch, 'ca.pem');
    copyFileSync(ca.certPath, caCopy);
    paths = {
      '/localhost.crt': server.certPath,
      '/localhost.key': server.keyPath,
      '/registry.password': htpasswd,
      '/path/to/x509/public': server.certPath,
      '/path/to/x509/private': server.keyPath,
      '/path/to/htpasswd': htpasswd,
      '/root/certs/bundle': caCopy,
      '/path/to/ca.pem': caCopy,
      '/path/to/another/ca.pem': caCopy,
      '/path/to/keyfile': empty,
      '/path/to/cache-file': join(scratch, 'letsencrypt-cache'),
      '/path/to/checked/file': empty,
    };
  });

  after(() => {
    ca?.dispose();
    if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
  });

  /** The printed file, with local paths and listen addresses made to fit this machine; nothing else. */
  function localized(text: string, storage: string, port: number, debugPort: number): string {
    let out = text
      .replaceAll('/var/lib/registry', storage)
      .replace(/^(\s*)addr: (?::5000|0\.0\.0\.0:5000|localhost:5000)\b/gm, `$1addr: 127.0.0.1:${port}`)
      .replace(/^(\s*)addr: localhost:5001\b/gm, `$1addr: 127.0.0.1:${debugPort}`);
    // longest first, so /path/to/ca.pem is not taken for a prefix of another path
    for (const [printed, local] of Object.entries(paths).sort((a, b) => b[0].length - a[0].length)) out = out.replaceAll(printed, local);
    return out;
  }

  for (const seed of TODAY) {
    test(`${seed.fixture} (seed ${seed.printed})`, async (t) => {
      const dir = join(scratch, seed.fixture.replace(/\.yml$/, ''));
      mkdirSync(dir);
      const [port, debugPort] = [await freePort(), await freePort()];
      const config = join(dir, seed.fixture);
      const text = localized(readFileSync(join(FIXTURES, seed.fixture), 'utf8'), join(dir, 'storage'), port, debugPort);
      writeFileSync(config, text);
      const scheme = /^\s*tls:/m.test(text) ? 'https' : 'http';

      const child = spawn(process.execPath, [join(repoRoot, 'bin', 'wharf'), 'serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const outcome = await firstOf(exited, `${scheme}://127.0.0.1:${port}/v2/`, ca.certPath);
        const output = () => `stderr:\n${stderr.slice(-3000)}\nstdout:\n${stdout.slice(-3000)}`;
        if (outcome.kind === 'hang') assert.fail(`neither /v2/ answered nor did the process exit within ${START_BOUND_MS} ms; ${output()}`);
        assert.doesNotMatch(stderr, STACK_TRACE, `a stack trace: ${output()}`);

        let actual: Outcome;
        if (outcome.kind === 'exited') {
          assert.notEqual(outcome.code, 0, `exited with status 0 without serving; ${output()}`);
          // one problem per line, each led by its key: `wharf: configuration error: storage.s3: …`, then `middleware: …`
          const [first, ...more] = stderr.trim().split('\n');
          const head = /^wharf: configuration error: (.*)$/.exec(first ?? '');
          assert.ok(head, `stderr starts with "wharf: configuration error:"; ${output()}`);
          // a key path names list items by index: middleware.storage[0].options.duration
          for (const line of [head[1]!, ...more]) assert.match(line, /^[A-Za-z0-9_.[\]]+: \S|^\/\S+: YAML syntax error at line \d+, column \d+: \S/, `a key (or the YAML line) leads each problem; ${output()}`);
          if (/Map keys must be unique/.test(head[1]!)) assert.match(head[1]!, /key "[^"]+" repeated/, 'a key given twice is named');
          const yaml = /YAML syntax error at (line \d+)/.exec(head[1]!);
          const repeated = /key "([^"]+)" repeated/.exec(head[1]!);
          actual = { refused: repeated?.[1] ?? yaml?.[1] ?? /^([A-Za-z0-9_.[\]]+):/.exec(head[1]!)![1]! };
        } else {
          assert.ok(outcome.status === 200 || outcome.status === 401, `/v2/ answered ${outcome.status}; ${output()}`);
          assert.doesNotMatch(stdout, STACK_TRACE, `a stack trace in the log: ${output()}`);
          actual = { serves: outcome.status };
          const stopped = Date.now();
          child.kill('SIGTERM');
          const code = await Promise.race([exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), STOP_BOUND_MS))]);
          assert.equal(code, 0, `after SIGTERM: ${code === 'running' ? `still running after ${Date.now() - stopped} ms` : `exit status ${code}`}; ${output()}`);
        }
        if (JSON.stringify(actual) !== JSON.stringify(seed.today)) {
          t.diagnostic(`${seed.fixture} now gives ${JSON.stringify(actual)}; TODAY records ${JSON.stringify(seed.today)} (${seed.why}): update the table`);
        }
      } finally {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await exited;
        }
      }
    });
  }
});

type Observed = { kind: 'exited'; code: number | null } | { kind: 'answered'; status: number } | { kind: 'hang' };

/** Polls `url` until it answers or the process exits, whichever is first, within START_BOUND_MS. */
async function firstOf(exited: Promise<number | null>, url: string, caPath: string): Promise<Observed> {
  let gone: Observed | undefined;
  void exited.then((code) => (gone = { kind: 'exited', code }));
  const deadline = Date.now() + START_BOUND_MS;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (gone !== undefined) return gone;
    const status = await probe(url, caPath);
    if (status !== undefined) return { kind: 'answered', status };
  }
  return gone ?? { kind: 'hang' };
}

async function probe(url: string, caPath: string): Promise<number | undefined> {
  if (url.startsWith('http:')) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return undefined;
    }
  }
  return new Promise((resolve) => {
    const req = httpsRequest(url, { ca: readFileSync(caPath), timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
