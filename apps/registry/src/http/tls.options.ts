import { readFileSync } from 'node:fs';
import * as nodeTls from 'node:tls';
import { createSecureContext, DEFAULT_CIPHERS, type SecureContextOptions, type SecureVersion, type Server as TlsServer, type TlsOptions, type TLSSocket } from 'node:tls';
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
export interface TlsServerOptions extends SecureContextOptions, Pick<TlsOptions, 'SNICallback'> {
  minVersion: SecureVersion;
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

/** The context settings every certificate is served with: client CAs, protocol versions, ciphers. */
export function tlsContextOptions(tls: HttpTlsConfig): SecureContextOptions & { minVersion: SecureVersion } {
  const ca = tls.clientCAs.map((file, index) => readPem(`http.tls.clientcas[${index}]`, file));
  let ciphers = openSslCipherList(tls.cipherSuites.length > 0 ? tls.cipherSuites : DEFAULT_CIPHER_SUITES);
  // OpenSSL 3 refuses TLS 1.0/1.1 handshakes at its default security level; an operator who
  // configures them asks for those old clients to get in.
  if (tls.minimumTls === 'tls1.0' || tls.minimumTls === 'tls1.1') ciphers = `${ciphers || DEFAULT_CIPHERS}:@SECLEVEL=0`;
  return { ...(ca.length > 0 ? { ca } : {}), minVersion: NODE_VERSION[tls.minimumTls], ciphers };
}

/**
 * Reads the certificate, key and client CAs named in http.tls and checks they form a usable
 * context, so a wrong path or a key of another certificate stops start-up with the key's name
 * instead of failing every handshake later. With Let's Encrypt, `sniCallback` supplies the
 * certificate of each host instead.
 */
export function tlsServerOptions(tls: HttpTlsConfig, sniCallback?: TlsOptions['SNICallback']): TlsServerOptions {
  const files = tls.letsEncrypt === undefined ? { cert: readPem('http.tls.certificate', tls.certificate), key: readPem('http.tls.key', tls.key) } : {};
  const verifyClients = tls.clientCAs.length > 0;
  const options: TlsServerOptions = {
    ...files,
    ...tlsContextOptions(tls),
    ...(sniCallback === undefined ? {} : { SNICallback: sniCallback }),
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

/**
 * Adds `protocol` to what the TLS port offers by ALPN (the ACME tls-alpn-01 challenge needs it
 * negotiated). Node's HTTP/2 server sets its own list, so it is extended after the server exists;
 * clients that do not offer the protocol never get it.
 */
export function offerAlpnProtocol(server: TlsServer, protocol: string): void {
  const current = (server as TlsServer & { ALPNProtocols?: Buffer }).ALPNProtocols;
  const names: string[] = [];
  for (let i = 0; current !== undefined && i < current.length; i += current[i]! + 1) {
    names.push(current.subarray(i + 1, i + 1 + current[i]!).toString('latin1'));
  }
  if (names.length === 0) names.push('http/1.1');
  // Node exports the converter it uses itself, without a type for it.
  const convert = (nodeTls as unknown as { convertALPNProtocols: (protocols: string[], out: object) => void }).convertALPNProtocols;
  convert([...names, protocol], server);
}
