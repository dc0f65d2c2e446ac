import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { parseCertificates, TokenIssuer } from '@wharf/auth';
import { buildImage, manifestAccept, pushImage } from '../images.js';
import { startServer, type RunningServer, type ServerSpec } from '../servers.js';
import { runWrk } from '../wrk.js';
import type { Measurement, Workload } from './workload.js';

const repo = 'bench/auth';
const tag = 'latest';
const SERVICE = 'wharf-bench';
const ISSUER = 'wharf-bench-issuer';

/**
 * The cost of authentication on the hottest read: manifest GET by tag under wrk, with no auth, with
 * htpasswd (every request carries Basic credentials, bcrypt cost 5 as `htpasswd -B` writes) and with
 * a bearer token (RS256, x5c chain to the rootcertbundle). The same image on the same storage root
 * is served by a second and a third server process started with those auth sections, one at a time.
 * Each side also gets its own with-auth/without-auth ratio.
 */
export const authCost: Workload = {
  name: 'auth',
  summary: (p) => `manifest GET by tag with no auth, htpasswd and token: wrk -c ${p.wrkConnections} -t ${p.wrkThreads} -d ${p.wrkSeconds}s each`,

  async run({ client, server, profile: p }) {
    const image = buildImage({ kind: 'docker', seed: 7100, layerSizes: [4096] });
    await pushImage(client, repo, tag, image);
    const url = (base: string) => `${base}/v2/${repo}/manifests/${tag}`;
    const files = await authFiles(server.dataDir);

    const measure = async (base: string, headers: Record<string, string>): Promise<number> => {
      const load = { url: url(base), headers: { Accept: manifestAccept, ...headers }, connections: p.wrkConnections, threads: p.wrkThreads };
      await runWrk({ ...load, durationSec: p.wrkWarmupSeconds });
      const run = await runWrk({ ...load, durationSec: p.wrkSeconds });
      // wrk counts any 2xx as success: the responses must have carried the manifest (a 401 body is smaller).
      if (run.bytesRead / run.requests < image.manifest.length) throw new Error(`wrk: responses average ${Math.round(run.bytesRead / run.requests)} bytes`);
      return run.requestsPerSec;
    };

    const none = await measure(server.url, {});
    const htpasswd = await withServer(withAuth(server.spec, server.dataDir, { htpasswd: { realm: 'bench', path: files.htpasswd } }), files.dir, 'htpasswd', (s) =>
      measure(s.url, { Authorization: `Basic ${Buffer.from('bench:bench-password').toString('base64')}` }),
    );
    const tokenAuth = { token: { realm: 'http://127.0.0.1:1/auth/token', service: SERVICE, issuer: ISSUER, rootcertbundle: files.certificate } };
    const token = await withServer(withAuth(server.spec, server.dataDir, tokenAuth), files.dir, 'token', (s) =>
      measure(s.url, { Authorization: `Bearer ${files.token}` }),
    );

    const rps = (key: string, label: string, value: number): Measurement => ({ key, label, unit: 'req/s', better: 'higher', value, aggregate: 'median' });
    const share = (key: string, label: string, value: number): Measurement => ({ key, label, unit: '× of no auth', better: 'higher', value, aggregate: 'median' });
    return [
      rps('auth.none', `manifest GET, no auth, ${p.wrkConnections} clients (wrk)`, none),
      rps('auth.htpasswd', `manifest GET, htpasswd (Basic on every request), ${p.wrkConnections} clients`, htpasswd),
      rps('auth.token', `manifest GET, bearer token, ${p.wrkConnections} clients`, token),
      share('auth.htpasswd.share', 'htpasswd throughput relative to no auth', htpasswd / none),
      share('auth.token.share', 'token throughput relative to no auth', token / none),
    ];
  },
};

interface AuthFiles {
  dir: string;
  htpasswd: string;
  certificate: string;
  token: string;
}

/** An htpasswd file, a signing key with its certificate, and a long-lived pull token for `repo`. */
async function authFiles(dataDir: string): Promise<AuthFiles> {
  const dir = join(dataDir, '..');
  const htpasswd = join(dir, 'htpasswd');
  writeFileSync(htpasswd, execFileSync('htpasswd', ['-Bbn', 'bench', 'bench-password'], { encoding: 'utf8' }));
  const key = join(dir, 'token.key');
  const certificate = join(dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-nodes', '-newkey', 'rsa:2048', '-keyout', key, '-out', certificate, '-days', '2', '-subj', '/CN=wharf-bench'], {
    stdio: 'ignore',
  });
  const issuer = new TokenIssuer(ISSUER, createPrivateKey(readFileSync(key, 'utf8')), parseCertificates(readFileSync(certificate, 'utf8')), 3_600_000);
  const token = (await issuer.issue('bench', SERVICE, [{ type: 'repository', name: repo, actions: ['pull'] }])).token;
  return { dir, htpasswd, certificate, token };
}

function withAuth(spec: ServerSpec, dataDir: string, auth: Record<string, unknown>): ServerSpec {
  return {
    ...spec,
    // The image was pushed through the unauthenticated server: serve the same storage root.
    config: (_root, addr) => ({ ...(spec.config(dataDir, addr) as Record<string, unknown>), auth }),
    readyStatus: 401,
  };
}

async function withServer<T>(spec: ServerSpec, dir: string, name: string, use: (server: RunningServer) => Promise<T>): Promise<T> {
  const server = await startServer(spec, join(dir, `auth-${name}`));
  try {
    const result = await use(server);
    if (!server.alive) throw new Error(`the ${name} server exited during the workload`);
    return result;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- ${name} server log tail ---\n${server.logTail()}`, { cause: error });
  } finally {
    await server.stop();
  }
}
