import { generateKeyPairSync } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { GoogleAuth, JWT } from 'google-auth-library';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import pMap from 'p-map';
import { SwiftClient, SwiftError } from './swift.client.js';

export * from './s3-test-bucket.js';

/**
 * Test support, not runtime (a subpath export for the end-to-end suites):
 * the servers the object-store drivers' tests use, as scripts/azurite.sh,
 * scripts/fake-gcs.sh and scripts/swift.sh start them (scripts/test.sh starts them once per run).
 * Azurite's account is its published development account, and the Swift account
 * the test-only one scripts/swift.sh configures: neither is a secret.
 */
export const AZURITE = {
  accountName: 'devstoreaccount1',
  accountKey: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  serviceUrl: `http://127.0.0.1:${process.env['WHARF_AZURITE_PORT'] ?? '10000'}/devstoreaccount1`,
};

/** A client of the shared Azurite, or of another instance (a test's own) at `serviceUrl`. */
export function azuriteService(serviceUrl = AZURITE.serviceUrl): BlobServiceClient {
  return new BlobServiceClient(serviceUrl, new StorageSharedKeyCredential(AZURITE.accountName, AZURITE.accountKey));
}

export const FAKE_GCS = {
  endpoint: `http://127.0.0.1:${process.env['WHARF_GCS_PORT'] ?? '4443'}`,
};

/**
 * A service account key of our own making: fake-gcs-server checks no signature, but with a key
 * the client signs V4 URLs for real and never looks for Application Default Credentials
 * (which would probe the cloud metadata address).
 */
export function testServiceAccount(): Record<string, string> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    type: 'service_account',
    project_id: 'wharf-test',
    private_key_id: 'wharf-test-key',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: 'wharf-test@wharf-test.iam.gserviceaccount.com',
    client_id: '1',
    token_uri: `${FAKE_GCS.endpoint}/token`,
  };
}

/** scripts/swift.sh's one-node Swift: tempauth user and key, proxy on 127.0.0.1:6480 unless moved. */
export const SWIFT = {
  authUrl: `http://127.0.0.1:${process.env['WHARF_SWIFT_PORT'] ?? '6480'}/auth/v1.0`,
  username: 'wharf:tester',
  password: 'testing',
};

function swiftClient(): SwiftClient {
  return new SwiftClient({
    credentials: { authUrl: SWIFT.authUrl, authVersion: 1, username: SWIFT.username, password: SWIFT.password, endpointType: 'public' },
    insecureSkipVerify: false,
  });
}

/** A client of the shared fake-gcs-server, or of another instance (a test's own) at `endpoint`. */
export function fakeGcsStorage(endpoint = FAKE_GCS.endpoint): Storage {
  return new Storage({ apiEndpoint: endpoint, projectId: 'wharf-test', authClient: new GoogleAuth({ authClient: new JWT({ email: 'wharf-test@wharf-test.iam.gserviceaccount.com', key: testServiceAccount()['private_key']! }) }) });
}

/** A new, empty container (Azurite) or bucket (fake-gcs-server) for one test; returns its name. */
export async function createTestStore(kind: 'azure' | 'gcs' | 'swift', label: string): Promise<string> {
  const name = `wharf-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`.toLowerCase().slice(0, 63);
  if (kind === 'azure') await azuriteService().getContainerClient(name).create();
  else if (kind === 'gcs') await fakeGcsStorage().createBucket(name);
  // a swift registry creates its container itself, as registry:2's driver does
  return name;
}

/** Removes a container or bucket made by createTestStore, with everything in it. */
export async function removeTestStore(kind: 'azure' | 'gcs' | 'swift', name: string): Promise<void> {
  if (kind === 'azure') {
    await azuriteService().getContainerClient(name).deleteIfExists();
    return;
  }
  if (kind === 'swift') {
    const client = swiftClient();
    try {
      const objects: string[] = [];
      for await (const entry of client.list(name, '')) if (entry.name) objects.push(entry.name);
      await pMap(objects, (object) => client.call({ method: 'DELETE', container: name, object, accept: [404] }), { concurrency: 16 });
      await client.call({ method: 'DELETE', container: name, accept: [404] });
    } catch (err) {
      if (!(err instanceof SwiftError && err.status === 404)) throw err;
    } finally {
      await client.close();
    }
    return;
  }
  const bucket = fakeGcsStorage().bucket(name);
  await bucket.deleteFiles({ force: true });
  await bucket.delete({ ignoreNotFound: true });
}

/** The `storage:` driver section a registry config needs for a container or bucket of the emulators. */
export function testStoreSection(kind: 'azure' | 'gcs' | 'swift', name: string): Record<string, unknown> {
  if (kind === 'swift') {
    // 1 MiB segments (registry:2's minimum): test blobs of a few MiB span several
    return { swift: { authurl: SWIFT.authUrl, username: SWIFT.username, password: SWIFT.password, container: name, chunksize: 1024 * 1024 } };
  }
  return kind === 'azure'
    ? { azure: { accountname: AZURITE.accountName, accountkey: AZURITE.accountKey, container: name, serviceurl: AZURITE.serviceUrl } }
    : { gcs: { bucket: name, endpoint: FAKE_GCS.endpoint, credentials: testServiceAccount(), chunksize: 1024 * 1024 } };
}
