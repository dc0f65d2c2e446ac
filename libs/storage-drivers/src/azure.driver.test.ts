import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { describeStorageDriver } from './driver-suite.js';
import { AzureDriver } from './azure.driver.js';
import { AZURITE, azuriteService } from './test-servers.js';

describeStorageDriver('AzureDriver (Azurite)', async () => {
  const service = azuriteService();
  const container = `wharf-suite-${randomBytes(6).toString('hex')}`;
  await service.getContainerClient(container).create();
  const open = (): AzureDriver =>
    new AzureDriver({
      container,
      rootDirectory: '/suite-root',
      serviceUrl: AZURITE.serviceUrl,
      credential: { kind: 'shared-key', accountName: AZURITE.accountName, accountKey: AZURITE.accountKey },
    });
  return {
    driver: open(),
    another: open,
    cleanup: async () => {
      await service.getContainerClient(container).deleteIfExists();
    },
  };
}, { redirects: true });


describe('AzureDriver: wrong settings are named', () => {
  test('a wrong account key is refused by Azure, and the error says so', async () => {
    const container = `wharf-creds-${randomBytes(6).toString('hex')}`;
    await azuriteService().getContainerClient(container).create();
    try {
      const driver = new AzureDriver({
        container,
        rootDirectory: '',
        serviceUrl: AZURITE.serviceUrl,
        credential: { kind: 'shared-key', accountName: AZURITE.accountName, accountKey: Buffer.from('not the key').toString('base64') },
      });
      await assert.rejects(driver.stat('/'), /azure: AuthorizationFailure|azure: AuthenticationFailed/);
    } finally {
      await azuriteService().getContainerClient(container).deleteIfExists();
    }
  });

  test('a missing container is named, not taken for an empty registry', async () => {
    const driver = new AzureDriver({
      container: `wharf-missing-${randomBytes(6).toString('hex')}`,
      rootDirectory: '',
      serviceUrl: AZURITE.serviceUrl,
      credential: { kind: 'shared-key', accountName: AZURITE.accountName, accountKey: AZURITE.accountKey },
    });
    await assert.rejects(driver.stat('/'), /azure: ContainerNotFound/);
    await assert.rejects(driver.getContent('/docker/registry/v2/x'), /azure: ContainerNotFound/);
  });

  test('a connection string names account, key and endpoint at once', async () => {
    const container = `wharf-cs-${randomBytes(6).toString('hex')}`;
    await azuriteService().getContainerClient(container).create();
    try {
      const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE.accountName};AccountKey=${AZURITE.accountKey};BlobEndpoint=${AZURITE.serviceUrl};`;
      const driver = new AzureDriver({ container, rootDirectory: '/r', connectionString });
      await driver.putContent('/docker/registry/v2/link', 'sha256:abc');
      assert.equal((await driver.getContent('/docker/registry/v2/link')).toString(), 'sha256:abc');
      const names: string[] = [];
      for await (const item of azuriteService().getContainerClient(container).listBlobsFlat()) names.push(item.name);
      assert.deepEqual(names, ['r/docker/registry/v2/link'], "registry:2's layout: <rootdirectory>/docker/registry/v2/...");
    } finally {
      await azuriteService().getContainerClient(container).deleteIfExists();
    }
  });
});
