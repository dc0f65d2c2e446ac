import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec.js';

/** A PEM certificate with its key, on disk (for config files and CLIs) under a temp folder. */
export interface IssuedCertificate {
  certPath: string;
  keyPath: string;
}

/**
 * A throw-away certificate authority made with the openssl CLI (as the README tells users to),
 * issuing server certificates for IPs or DNS names and client certificates for mutual TLS.
 */
export class TestCertificateAuthority implements IssuedCertificate {
  readonly certPath: string;
  readonly keyPath: string;
  private serial = 0;

  private constructor(readonly dir: string, readonly name: string) {
    this.certPath = join(dir, `${name}-ca.crt`);
    this.keyPath = join(dir, `${name}-ca.key`);
  }

  static async create(name = 'wharf-test'): Promise<TestCertificateAuthority> {
    const ca = new TestCertificateAuthority(mkdtempSync(join(tmpdir(), 'wharf-certs-')), name);
    await openssl([
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
      '-subj', `/CN=${name} test CA`, '-keyout', ca.keyPath, '-out', ca.certPath,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    return ca;
  }

  /** A server certificate whose subjectAltName lists each IP address or DNS name. */
  server(label: string, hosts: readonly string[]): Promise<IssuedCertificate> {
    const san = hosts.map((host) => (/^[\d.]+$|:/.test(host) ? `IP:${host}` : `DNS:${host}`)).join(',');
    return this.issue(label, hosts[0] ?? label, [`subjectAltName=${san}`, 'extendedKeyUsage=serverAuth']);
  }

  /** A client certificate for mutual TLS. */
  client(label: string): Promise<IssuedCertificate> {
    return this.issue(label, label, ['extendedKeyUsage=clientAuth']);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async issue(label: string, commonName: string, extensions: string[]): Promise<IssuedCertificate> {
    const keyPath = join(this.dir, `${label}.key`);
    const csrPath = join(this.dir, `${label}.csr`);
    const certPath = join(this.dir, `${label}.crt`);
    const extPath = join(this.dir, `${label}.ext`);
    writeFileSync(extPath, `${extensions.join('\n')}\n`);
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', `/CN=${commonName}`, '-keyout', keyPath, '-out', csrPath]);
    await openssl([
      'x509', '-req', '-in', csrPath, '-CA', this.certPath, '-CAkey', this.keyPath,
      '-set_serial', String(++this.serial + 1000), '-days', '2', '-sha256', '-extfile', extPath, '-out', certPath,
    ]);
    return { certPath, keyPath };
  }
}

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args, { timeoutMs: 30_000 });
}
