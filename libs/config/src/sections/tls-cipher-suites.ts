/**
 * registry:2 names cipher suites as Go's crypto/tls does; Node's TLS (OpenSSL) has its own names.
 * This is the one table between them. `null`: registry:2 accepts the name, but OpenSSL 3 no
 * longer ships the suite (RC4), so the configuration is refused rather than silently weakened.
 */
const GO_TO_OPENSSL: Readonly<Record<string, string | null>> = {
  TLS_RSA_WITH_RC4_128_SHA: null,
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_RC4_128_SHA: null,
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: null,
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  // TLS 1.3 suites carry the same names in both worlds.
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
};

/** Why a configured name cannot be used, or undefined when it can. */
export function cipherSuiteProblem(goName: string): string | undefined {
  if (!(goName in GO_TO_OPENSSL)) return `unknown cipher suite; expected a Go crypto/tls name such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`;
  if (GO_TO_OPENSSL[goName] === null) return 'RC4 cipher suites are broken and not available in this build (OpenSSL 3)';
  return undefined;
}

/**
 * The OpenSSL cipher list for Node's `ciphers` option. As in Go, the list governs TLS 1.2 and
 * below; TLS 1.3 keeps its (all strong) suites unless the list names some of them.
 */
export function openSslCipherList(goNames: readonly string[]): string {
  const names = goNames.map((name) => GO_TO_OPENSSL[name]).filter((name): name is string => typeof name === 'string');
  const hasTls13 = names.some((name) => name.startsWith('TLS_'));
  const tls13 = hasTls13 ? [] : ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'];
  return [...tls13, ...names].join(':');
}
