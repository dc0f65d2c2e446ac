'use server';

import { redirect } from 'next/navigation';
import { describeError } from '../../lib/api-error';
import { apiSend } from '../../lib/api.server';
import { repositoryHref } from '../../lib/format';
import { repositoryApiPath } from '../../lib/repository-path';

export interface ActionState {
  error?: string;
}

/** Deletes a tag (the API checks the caller is an admin); back to the repository page on success. */
export async function deleteTag(repository: string, tag: string, _state: ActionState): Promise<ActionState> {
  try {
    await apiSend('DELETE', `${repositoryApiPath(repository)}/tags/${encodeURIComponent(tag)}`);
  } catch (error) {
    return { error: describeError(error) };
  }
  redirect(`${repositoryHref(repository)}?deleted=${encodeURIComponent(tag)}`);
}

/** Deletes a manifest by digest, with every tag pointing at it. */
export async function deleteManifest(repository: string, digest: string, _state: ActionState): Promise<ActionState> {
  try {
    await apiSend('DELETE', `${repositoryApiPath(repository)}/manifests/${encodeURIComponent(digest)}`);
  } catch (error) {
    return { error: describeError(error) };
  }
  redirect(`${repositoryHref(repository)}?deleted=${encodeURIComponent(digest)}`);
}
