/**
 * X-Forwarded-For as a proxy passes it on: what the request arrived with, then the peer this hop
 * saw. The API believes the chain only from peers it trusts (api.trustedproxies), so appending, never
 * replacing, keeps a client's own header from hiding its address.
 */
export function appendForwardedFor(received: string | string[] | undefined, peer: string | undefined): string | undefined {
  const earlier = (Array.isArray(received) ? received.join(', ') : (received ?? '')).trim();
  if (peer === undefined || peer === '') return earlier === '' ? undefined : earlier;
  return earlier === '' ? peer : `${earlier}, ${peer}`;
}
