import { readFileSync } from 'node:fs';
import { createSecureContext, DEFAULT_CIPHERS, type SecureContextOptions, type SecureVersion, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { ConfigError, openSslCipherList, type HttpTlsConfig, type TlsVersion } from '@wharf/config';

/** registry:2's defaults when http.tls.ciphersuites is empty: forward-secret AEAD suites only. */
const DEFAULT_CIPHER_SUITES = [
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_256_GCM_SHA384',
];

const NODE_VERSION: Record<TlsVersion, SecureVersion> = {
  'tls1.0': 'TLSv1',
  'tls1.1': 'TLSv1.1',
  'tls1.2': 'TLSv1.2',
  'tls1.3': 'TLSv1.3',
};

/** What Node's https/http2 servers take for TLS, built from http.tls. */
export interface TlsServerOptions extends SecureContextOptions {
  minVersion: SecureVersion;
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

/**
 * Reads the certificate, key and client CAs named in http.tls and checks they form a usable
 * context, so a wrong path or a key of another certificate stops start-up with the key's name
 * instead of failing every handshake later.
 */
export function tlsServerOptions(tls: HttpTlsConfig): TlsServerOptions {
  const cert = readPem('http.tls.certificate', tls.certificate);
  const key = readPem('http.tls.key', tls.key);
  const ca = tls.clientCAs.map((file, index) => readPem(`http.tls.clientcas[${index}]`, file));
  const verifyClients = ca.length > 0;
  let ciphers = openSslCipherList(tls.cipherSuites.length > 0 ? tls.cipherSuites : DEFAULT_CIPHER_SUITES);
  // OpenSSL 3 refuses TLS 1.0/1.1 handshakes at its default security level; an operator who
  // configures them asks for those old clients to get in.
  if (tls.minimumTls === 'tls1.0' || tls.minimumTls === 'tls1.1') ciphers = `${ciphers || DEFAULT_CIPHERS}:@SECLEVEL=0`;
  const options: TlsServerOptions = {
    cert,
    key,
    ...(verifyClients ? { ca } : {}),
    minVersion: NODE_VERSION[tls.minimumTls],
    ciphers,
    // As registry:2: without clientcas there is no client authentication, whatever clientauth says.
    requestCert: verifyClients,
    rejectUnauthorized: verifyClients && tls.clientAuth === 'require-and-verify-client-cert',
  };
  try {
    createSecureContext(options);
  } catch (error) {
    throw new ConfigError([{ path: 'http.tls', message: `the certificate, key or client CAs cannot be used: ${(error as Error).message}` }]);
  }
  return options;
}

/**
 * The client-auth modes OpenSSL has no switch for (registry:2 takes them from Go): the handshake
 * is let through unverified, then a connection that breaks the mode is closed before any request.
 */
export function enforceClientAuth(server: TlsServer, tls: HttpTlsConfig): void {
  if (tls.clientCAs.length === 0) return;
  const mode = tls.clientAuth;
  if (mode === 'require-and-verify-client-cert' || mode === 'request-client-cert') return;
  server.on('secureConnection', (socket: TLSSocket) => {
    const presented = Object.keys(socket.getPeerCertificate()).length > 0;
    const refused = mode === 'require-any-client-cert' ? !presented : presented && !socket.authorized;
    if (refused) socket.destroy();
  });
}

function readPem(path: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([{ path, message: `cannot read ${file} (${code})` }]);
  }
}
