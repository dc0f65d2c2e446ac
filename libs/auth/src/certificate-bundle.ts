import { X509Certificate } from 'node:crypto';

/** Every certificate of a PEM bundle (rootcertbundle, a certificate file with its chain). */
export function parseCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

/**
 * Whether `chain` (leaf first, as in a JWT's x5c) leads to one of `roots`: each certificate is
 * signed by the next, the last is a root or signed by one, and all are within their validity.
 */
export function chainsToRoot(chain: readonly X509Certificate[], roots: readonly X509Certificate[], now = new Date()): boolean {
  if (chain.length === 0) return false;
  for (const cert of chain) {
    if (new Date(cert.validFrom) > now || new Date(cert.validTo) < now) return false;
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!) || !chain[i]!.verify(chain[i + 1]!.publicKey)) return false;
  }
  const top = chain[chain.length - 1]!;
  return roots.some((root) => root.fingerprint256 === top.fingerprint256 || (top.checkIssued(root) && top.verify(root.publicKey)));
}
