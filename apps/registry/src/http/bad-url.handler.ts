import type { FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '@wharf/registry-core';
import { OCI_ERROR_CONTENT_TYPE, ociErrorBody } from './oci-error-body.js';

/**
 * Fastify's router refuses a URL it cannot percent-decode (invalid UTF-8 such as %C3%28) before
 * any Nest code runs. This answers it in the OCI format, with the code of the part that cannot
 * be decoded: a name, a reference, a digest or an upload id.
 */
export function frameworkErrorHandler(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code !== 'FST_ERR_BAD_URL') {
    void reply.send(error);
    return;
  }
  const detail = 'the URL is not valid percent-encoded UTF-8';
  const path = request.url.split('?', 1)[0] ?? '';
  const undecodable = (part: string): boolean => {
    try {
      decodeURIComponent(part);
      return false;
    } catch {
      return true;
    }
  };
  const [, before = path, kind, rest = ''] = /^(.*?)\/(manifests|blobs\/uploads|blobs|tags)\/(.*)$/.exec(path) ?? [];
  let failure: RegistryError;
  if (kind === undefined || undecodable(before)) failure = new RegistryError('NAME_INVALID', detail);
  else if (kind === 'manifests' && undecodable(rest)) failure = new RegistryError('MANIFEST_INVALID', detail);
  else if (kind === 'blobs/uploads' && undecodable(rest)) failure = new RegistryError('BLOB_UPLOAD_INVALID', detail);
  else if (kind === 'blobs' && undecodable(rest)) failure = new RegistryError('DIGEST_INVALID', detail);
  else failure = new RegistryError('NAME_INVALID', detail);
  void reply
    .status(failure.status)
    .header('Content-Type', OCI_ERROR_CONTENT_TYPE)
    .header('Docker-Distribution-Api-Version', 'registry/2.0')
    .send(ociErrorBody(failure));
}
