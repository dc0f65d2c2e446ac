import { generateKeyPairSync } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { GoogleAuth, JWT } from 'google-auth-library';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';

export * from './s3-test-bucket.js';

/**
 * Test support, not runtime (a subpath export for the end-to-end suites):
 * the emulators the object-store drivers' tests use, as scripts/azurite.sh and
 * scripts/fake-gcs.sh start them (scripts/test.sh starts both once per run).
 * Azurite's account is its published development account, not a secret.
 */
export const AZURITE = {
  accountName: 'devstoreaccount1',
  accountKey: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  serviceUrl: `http://127.0.0.1:${process.env['WHARF_AZURITE_PORT'] ?? '10000'}/devstoreaccount1`,
};

export function azuriteService(): BlobServiceClient {
  return new BlobServiceClient(AZURITE.serviceUrl, new StorageSharedKeyCredential(AZURITE.accountName, AZURITE.accountKey));
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

export function fakeGcsStorage(): Storage {
  return new Storage({ apiEndpoint: FAKE_GCS.endpoint, projectId: 'wharf-test', authClient: new GoogleAuth({ authClient: new JWT({ email: 'wharf-test@wharf-test.iam.gserviceaccount.com', key: testServiceAccount()['private_key']! }) }) });
}

/** A new, empty container (Azurite) or bucket (fake-gcs-server) for one test; returns its name. */
export async function createTestStore(kind: 'azure' | 'gcs', label: string): Promise<string> {
  const name = `wharf-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`.toLowerCase().slice(0, 63);
  if (kind === 'azure') await azuriteService().getContainerClient(name).create();
  else await fakeGcsStorage().createBucket(name);
  return name;
}

/** Removes a container or bucket made by createTestStore, with everything in it. */
export async function removeTestStore(kind: 'azure' | 'gcs', name: string): Promise<void> {
  if (kind === 'azure') {
    await azuriteService().getContainerClient(name).deleteIfExists();
    return;
  }
  const bucket = fakeGcsStorage().bucket(name);
  await bucket.deleteFiles({ force: true });
  await bucket.delete({ ignoreNotFound: true });
}

/** The `storage:` driver section a registry config needs for a container or bucket of the emulators. */
export function testStoreSection(kind: 'azure' | 'gcs', name: string): Record<string, unknown> {
  return kind === 'azure'
    ? { azure: { accountname: AZURITE.accountName, accountkey: AZURITE.accountKey, container: name, serviceurl: AZURITE.serviceUrl } }
    : { gcs: { bucket: name, endpoint: FAKE_GCS.endpoint, credentials: testServiceAccount(), chunksize: 1024 * 1024 } };
}
