import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';

/**
 * The emulators the object-store drivers' tests use, as scripts/azurite.sh and
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
