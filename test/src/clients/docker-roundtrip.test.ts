// Real clients against a live registry: the docker engine, skopeo (multi-platform), crane, oras and regctl.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { docker, dockerPush, dockerRemoveImage, dockerRunOutput, ensureDocker } from '../support/docker-cli.js';
import { run } from '../support/exec.js';
import { importImage, uniqueName, writeMultiPlatformLayout } from '../support/images.js';
import { dockerRoundTrip } from '../support/docker-round-trip.js';
import { RegistryProcess, targetKind } from '../support/registry-process.js';
import { assertConfined } from '../support/storage-walk.js';
import { goTool, systemTool } from '../support/tools.js';

const kind = targetKind();

async function crane(args: string[]): Promise<string> {
  return (await run(goTool('crane'), [...args, '--insecure'])).stdout.trim();
}

describe(`docker, skopeo, crane, oras and regctl against ${kind}`, () => {
  let reg: RegistryProcess;
  const images: string[] = [];
  const dirs: string[] = [];
  const tempDir = (prefix: string): string => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };

  before(async () => {
    await ensureDocker();
    reg = await RegistryProcess.start({ kind, storage: 'filesystem' });
  });

  after(async () => {
    for (const ref of images) await dockerRemoveImage(ref);
    await reg?.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('docker push, rmi, pull and run give back the same image', { timeout: 5 * 60_000 }, async () => {
    const repo = uniqueName('e2e/hello');
    const { remote, digest } = await dockerRoundTrip(reg.host, repo, images);
    const repoDigests = (await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', remote])).stdout;
    assert.ok(repoDigests.includes(`${reg.host}/${repo}@${digest}`), repoDigests);

    // a second tag of the same image: same digest, both tags listed
    const remote2 = `${reg.host}/${repo}:v2`;
    await docker(['tag', remote, remote2]);
    assert.equal(await dockerPush(remote2), digest);

    assert.equal(await crane(['digest', remote]), digest);
    assert.deepEqual((await crane(['ls', `${reg.host}/${repo}`])).split('\n').sort(), ['v1', 'v2']);
    const manifest = JSON.parse(await crane(['manifest', remote])) as { mediaType: string; layers: unknown[] };
    assert.equal(manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(manifest.layers.length, 2);
    const config = JSON.parse(await crane(['config', remote])) as { architecture: string; os: string };
    assert.deepEqual([config.os, config.architecture], ['linux', 'amd64']);
  });

  test('an imported one-layer image round-trips too', { timeout: 5 * 60_000 }, async () => {
    const repo = uniqueName('e2e/imported');
    const message = `imported ${repo}`;
    const remote = `${reg.host}/${repo}:latest`;
    const local = await importImage(remote, message);
    images.push(local.id, remote);
    const digest = await dockerPush(remote);
    await dockerRemoveImage(local.id);
    await docker(['pull', remote]);
    assert.equal(await dockerRunOutput(remote), `${message}\n`);
    assert.equal(await crane(['digest', remote]), digest);
  });

  test('a two-platform index pushed by skopeo: docker pulls and runs the matching platform', { timeout: 5 * 60_000 }, async () => {
    const repo = uniqueName('e2e/multi');
    const layoutDir = tempDir('wharf-oci-layout-');
    const layout = await writeMultiPlatformLayout(layoutDir, 'v1', [
      { platform: { os: 'linux', architecture: 'amd64' }, message: `amd64 of ${repo}` },
      { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, message: `arm64 of ${repo}` },
    ]);
    const remote = `${reg.host}/${repo}:v1`;
    images.push(remote);
    await run(systemTool('skopeo'), [
      '--insecure-policy', 'copy', '--all', '--dest-tls-verify=false', `oci:${layoutDir}:v1`, `docker://${remote}`,
    ]);

    // skopeo converts nothing here, so the registry must serve the very bytes of the layout
    assert.equal(await crane(['digest', remote]), layout.indexDigest);
    assert.equal(await crane(['manifest', remote]), layout.indexBytes.toString('utf8'));
    const [amd64, arm64] = layout.manifests;
    assert.ok(amd64 && arm64);
    assert.equal(await crane(['digest', '--platform', 'linux/amd64', remote]), amd64.digest);
    assert.equal(await crane(['digest', '--platform', 'linux/arm64/v8', remote]), arm64.digest);

    await docker(['pull', remote]);
    assert.equal(await dockerRunOutput(remote), `${amd64.message}\n`);
    const [id, arch] = (await docker(['image', 'inspect', '--format', '{{.Id}} {{.Os}}/{{.Architecture}}', remote])).stdout
      .trim()
      .split(' ');
    images.push(id ?? remote); // the arm64 pull below takes the tag away from this one
    assert.equal(arch, 'linux/amd64');

    // the arm64 entry holds an amd64 binary under an arm64 label, so it runs here and tells which was pulled
    await docker(['pull', '--platform', 'linux/arm64', remote]);
    assert.equal(await dockerRunOutput(remote, ['--platform', 'linux/arm64']), `${arm64.message}\n`);
  });

  test('oras pushes and pulls an artifact; regctl and crane list it', { timeout: 3 * 60_000 }, async () => {
    const repo = uniqueName('e2e/artifact');
    const ref = `${reg.host}/${repo}:v1`;
    const src = tempDir('wharf-oras-src-');
    const content = `artifact payload ${repo}\n`.repeat(1000);
    writeFileSync(join(src, 'payload.txt'), content);
    const oras = goTool('oras');
    await run(oras, ['push', '--plain-http', '--artifact-type', 'application/vnd.wharf.test', ref, 'payload.txt'], { cwd: src });

    const dest = tempDir('wharf-oras-dest-');
    await run(oras, ['pull', '--plain-http', '--output', dest, ref]);
    assert.equal(readFileSync(join(dest, 'payload.txt'), 'utf8'), content);
    const fetched = JSON.parse((await run(oras, ['manifest', 'fetch', '--plain-http', ref])).stdout) as {
      artifactType?: string;
      layers: { annotations?: Record<string, string> }[];
    };
    assert.equal(fetched.artifactType, 'application/vnd.wharf.test');
    assert.equal(fetched.layers[0]?.annotations?.['org.opencontainers.image.title'], 'payload.txt');

    const tags = await run(goTool('regctl'), ['--host', `reg=${reg.host},tls=disabled`, 'tag', 'ls', `${reg.host}/${repo}`]);
    assert.deepEqual(tags.stdout.trim().split('\n'), ['v1']);
    const descriptor = JSON.parse((await run(oras, ['manifest', 'fetch', '--plain-http', '--descriptor', ref])).stdout) as {
      digest: string;
    };
    assert.equal(await crane(['digest', ref]), descriptor.digest);
  });

  test('everything was stored under the configured root', () => {
    assert.ok(reg.storageRoot);
    assertConfined(reg.storageRoot);
  });
});
