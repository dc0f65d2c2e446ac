import assert from 'node:assert/strict';
import { docker, dockerPush, dockerRemoveImage, dockerRunOutput } from './docker-cli.js';
import { buildImage, uniqueName } from './images.js';

/**
 * The round trip a user checks first: build an image, push it as `<host>/<repo>:v1`, remove it locally,
 * pull it back and run it. Asserts the pull names the pushed digest and the image prints its message.
 * Image ids and references made are added to `made`, for the caller's cleanup.
 */
export async function dockerRoundTrip(host: string, repo: string, made: string[]): Promise<{ remote: string; digest: string }> {
  const message = `hello from ${repo}`;
  const local = await buildImage(`wharf-local/${repo}:v1`, message);
  const remote = `${host}/${repo}:v1`;
  made.push(local.id, remote);
  await docker(['tag', local.ref, remote]);

  const digest = await dockerPush(remote);
  await dockerRemoveImage(local.id);
  const gone = await docker(['image', 'inspect', remote], { allowFailure: true });
  assert.notEqual(gone.code, 0, 'the image should be gone locally before the pull');

  const pull = await docker(['pull', remote]);
  assert.match(pull.stdout, new RegExp(`Digest: ${digest}`));
  assert.equal(await dockerRunOutput(remote), `${message}\n`);
  return { remote, digest };
}

/**
 * One small image per tag (printing `<label> <tag>`), pushed as `<host>/<repo>:<tag>`; the pushed references
 * are removed locally, so a later pull is a real download. Returns each tag's digest; the local image
 * references made are added to `made`, for the caller's cleanup.
 */
export async function pushTaggedImages(host: string, repo: string, tags: string[], label: string, made: string[]): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const tag of tags) {
    const local = `wharf-local/${uniqueName(label.replace(/\W+/g, '-'))}:${tag}`;
    made.push(local);
    await buildImage(local, `${label} ${tag}`);
    await docker(['tag', local, `${host}/${repo}:${tag}`]);
    digests[tag] = await dockerPush(`${host}/${repo}:${tag}`);
    await dockerRemoveImage(`${host}/${repo}:${tag}`);
  }
  return digests;
}
