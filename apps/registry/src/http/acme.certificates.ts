import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import * as acme from 'acme-client';
import { ConfigError, type LetsEncryptConfig } from '@wharf/config';
import type { Logger } from '@wharf/observability';

/** The ALPN protocol of the tls-alpn-01 challenge (RFC 8737). */
export const ACME_TLS_ALPN = 'acme-tls/1';
/** A certificate is renewed once it has less than this left, as autocert does. */
const RENEW_BEFORE_MS = 30 * 24 * 3_600_000;

interface CacheFile {
  accountKey: string;
  accountUrl?: string;
  certificates: Record<string, { key: string; cert: string }>;
}

/**
 * http.tls.letsencrypt: certificates from an ACME CA, obtained when a client first asks for a host
 * (SNI) and renewed 30 days before they expire, with the tls-alpn-01 challenge on the registry's
 * own TLS port as registry:2 does (so nothing else needs to listen). The account key and
 * certificates live in `cachefile` (JSON, mode 0600), so restarts reuse them.
 */
export class AcmeCertificates {
  private readonly contexts = new Map<string, { context: SecureContext; notAfter: number }>();
  private readonly challenges = new Map<string, SecureContext>();
  private readonly issuing = new Map<string, Promise<SecureContext>>();

  private constructor(
    private readonly config: LetsEncryptConfig,
    private readonly cache: CacheFile,
    private readonly contextOptions: SecureContextOptions,
    private readonly logger: Logger,
  ) {
    for (const [host, pair] of Object.entries(cache.certificates)) this.install(host, pair);
  }

  static async open(config: LetsEncryptConfig, contextOptions: SecureContextOptions, logger: Logger): Promise<AcmeCertificates> {
    let cache: CacheFile;
    try {
      cache = JSON.parse(await readFile(config.cacheFile, 'utf8')) as CacheFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new ConfigError([{ path: 'http.tls.letsencrypt.cachefile', message: `cannot read ${config.cacheFile}: ${(error as Error).message}` }]);
      }
      cache = { accountKey: (await acme.crypto.createPrivateEcdsaKey()).toString(), certificates: {} };
      await saveCache(config.cacheFile, cache).catch((err: Error) => {
        throw new ConfigError([{ path: 'http.tls.letsencrypt.cachefile', message: `cannot write ${config.cacheFile}: ${err.message}` }]);
      });
    }
    return new AcmeCertificates(config, cache, contextOptions, logger);
  }

  /** Node's SNICallback: the challenge certificate while one is pending, else the host's certificate (issued if needed). */
  readonly sniCallback = (servername: string, done: (err: Error | null, context?: SecureContext) => void): void => {
    const host = servername.toLowerCase();
    const challenge = this.challenges.get(host);
    if (challenge !== undefined) return done(null, challenge);
    if (host === '') return done(new Error('acme: the client sent no server name'));
    if (this.config.hosts.length > 0 && !this.config.hosts.some((allowed) => allowed.toLowerCase() === host)) {
      return done(new Error(`acme: host ${host} is not in http.tls.letsencrypt.hosts`));
    }
    const current = this.contexts.get(host);
    if (current !== undefined && current.notAfter > Date.now()) {
      if (current.notAfter - Date.now() < RENEW_BEFORE_MS) void this.certificate(host).catch(() => undefined);
      return done(null, current.context);
    }
    this.certificate(host).then(
      (context) => done(null, context),
      (error: Error) => done(error),
    );
  };

  private certificate(host: string): Promise<SecureContext> {
    let pending = this.issuing.get(host);
    if (pending === undefined) {
      pending = this.issue(host).finally(() => this.issuing.delete(host));
      this.issuing.set(host, pending);
    }
    return pending;
  }

  private async issue(host: string): Promise<SecureContext> {
    this.logger.info({ host, directory: this.config.directoryUrl }, 'acme: requesting a certificate');
    const client = new acme.Client({
      directoryUrl: this.config.directoryUrl,
      accountKey: this.cache.accountKey,
      ...(this.cache.accountUrl === undefined ? {} : { accountUrl: this.cache.accountUrl }),
    });
    const [key, csr] = await acme.crypto.createCsr({ commonName: host, altNames: [host] }, await acme.crypto.createPrivateEcdsaKey());
    try {
      const cert = await client.auto({
        csr,
        email: this.config.email,
        termsOfServiceAgreed: true,
        challengePriority: ['tls-alpn-01'],
        // The CA connects to this very port; answering it is the proof, nothing to check first.
        skipChallengeVerification: true,
        challengeCreateFn: async (authz, _challenge, keyAuthorization) => {
          const [challengeKey, challengeCert] = await acme.crypto.createAlpnCertificate(authz, keyAuthorization);
          this.challenges.set(authz.identifier.value.toLowerCase(), createSecureContext({ key: challengeKey, cert: challengeCert }));
        },
        challengeRemoveFn: async (authz) => {
          this.challenges.delete(authz.identifier.value.toLowerCase());
        },
      });
      const pair = { key: key.toString(), cert };
      this.cache.accountUrl = client.getAccountUrl();
      this.cache.certificates[host] = pair;
      await saveCache(this.config.cacheFile, this.cache);
      const installed = this.install(host, pair);
      this.logger.info({ host, notAfter: new Date(installed.notAfter).toISOString() }, 'acme: certificate issued');
      return installed.context;
    } catch (error) {
      this.logger.error({ err: error, host }, 'acme: no certificate');
      throw error;
    }
  }

  private install(host: string, pair: { key: string; cert: string }): { context: SecureContext; notAfter: number } {
    const notAfter = Date.parse(new X509Certificate(pair.cert).validTo);
    const entry = { context: createSecureContext({ ...this.contextOptions, key: pair.key, cert: pair.cert }), notAfter };
    this.contexts.set(host, entry);
    return entry;
  }
}

/** Atomically, readable by the registry's user only: the file holds private keys. */
async function saveCache(file: string, cache: CacheFile): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(cache), { mode: 0o600 });
  await rename(temp, file);
}
