import type { RegistryError } from '@wharf/registry-core';

/** The media type of every OCI error answer the registry writes. */
export const OCI_ERROR_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * The one writer of the OCI error body (`{"errors":[{code,message,detail}]}`): the exception
 * filter, the router's bad-URL answer, the oversized-head answer and the health gate all use it,
 * so a client sees one format whichever layer refused its request.
 */
export function ociErrorBody(error: RegistryError): string {
  return JSON.stringify({ errors: [error.toJSON()] });
}
