/**
 * The real Docker engine against Wharf serving TLS with a self-signed CA, installed the way the
 * README tells users: /etc/docker/certs.d/<host:port>/ca.crt. The registry listens on 10.213.0.1,
 * an address added to `lo` for the test: Docker trusts plain HTTP on 127.0.0.0/8, so only a
 * non-loopback address makes it insist on (and verify) TLS.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestCertificateAuthority } from '../support/certificates.js';
import { docker, dockerRemoveImage, ensureDocker } from '../support/docker-cli.js';
import { run } from '../support/exec.js';
import { buildImage, uniqueName } from '../support/images.js';
import { dockerRoundTrip } from '../support/docker-round-trip.js';
import { RegistryProcess } from '../support/registry-process.js';
import { assertConfined } from '../support/storage-walk.js';

const ADDRESS = '10.213.0.1';
const CERTS_D = '/etc/docker/certs.d';

/** Adds ADDRESS to lo unless it is there; returns whether this run added it (and so removes it). */
async function ensureAddress(): Promise<boolean> {
  const shown = await run('ip', ['-4', 'addr', 'show', 'dev', 'lo']);
  if (shown.stdout.includes(`inet ${ADDRESS}/`)) return false;
  await run('ip', ['addr', 'add', `${ADDRESS}/32`, 'dev', 'lo']);
  return true;
}

describe('docker push and pull over TLS with a self-signed CA in certs.d', { timeout: 10 * 60_000 }, () => {
  let ca: TestCertificateAuthority;
  let registry: RegistryProcess;
  let addedAddress = false;
  let certsDir: string | undefined;
  const images: string[] = [];

  before(async () => {
    await ensureDocker();
    addedAddress = await ensureAddress();
    ca = await TestCertificateAuthority.create('docker-tls');
    const server = await ca.server('registry', [ADDRESS]);
    registry = await RegistryProcess.start({
      storage: 'filesystem',
      listenHost: ADDRESS,
      http: { tls: { certificate: server.certPath, key: server.keyPath } },
      tlsClient: { caPath: ca.certPath },
    });
  });

  after(async () => {
    for (const ref of images) await dockerRemoveImage(ref);
    if (certsDir) rmSync(certsDir, { recursive: true, force: true });
    await registry?.dispose();
    ca?.dispose();
    if (addedAddress) await run('ip', ['addr', 'del', `${ADDRESS}/32`, 'dev', 'lo'], { allowFailure: true });
  });

  it('without the CA installed, docker push fails on the certificate (x509)', async () => {
    assert.ok(!existsSync(join(CERTS_D, registry.host)), `${CERTS_D}/${registry.host} must not exist yet`);
    const local = await buildImage(`wharf-local/${uniqueName('tls/untrusted')}:v1`, 'untrusted');
    const remote = `${registry.host}/tls/untrusted:v1`;
    images.push(local.id, remote);
    await docker(['tag', local.ref, remote]);
    const push = await docker(['push', remote], { allowFailure: true });
    assert.notEqual(push.code, 0, 'push must fail while the CA is unknown to Docker');
    assert.match(`${push.stdout}\n${push.stderr}`, /x509|certificate signed by unknown authority|failed to verify certificate/i);
  });

  it('with ca.crt in /etc/docker/certs.d/<host:port>/, docker push, rmi, pull and run succeed', async () => {
    certsDir = join(CERTS_D, registry.host);
    mkdirSync(certsDir, { recursive: true });
    copyFileSync(ca.certPath, join(certsDir, 'ca.crt'));

    await dockerRoundTrip(registry.host, uniqueName('tls/hello'), images);
    assertConfined(registry.storageRoot!);
  });
});
