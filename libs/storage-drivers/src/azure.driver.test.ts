import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { describeStorageDriver } from './driver-suite.js';
import { AzureDriver, type AzureSettings } from './azure.driver.js';
import { AZURITE, azuriteService } from './test-servers.js';
import { APPEND_BLOCK_BYTES } from './azure-append.writer.js';
import { StoreRefusalError } from './store-refusal.error.js';

const MiB = 1024 * 1024;
/** Names per listing request in these tests: a few dozen files already take several pages. */
const LIST_PAGE = 50;

/** A driver on the shared Azurite with its account key, unless `settings` say otherwise. */
function onAzurite(settings: Partial<AzureSettings> & { container: string }): AzureDriver {
  return new AzureDriver({
    rootDirectory: '',
    serviceUrl: AZURITE.serviceUrl,
    credential: { kind: 'shared-key', accountName: AZURITE.accountName, accountKey: AZURITE.accountKey },
    ...settings,
  });
}

describeStorageDriver('AzureDriver (Azurite)', async () => {
  const service = azuriteService();
  const container = `wharf-suite-${randomBytes(6).toString('hex')}`;
  await service.getContainerClient(container).create();
  const open = (): AzureDriver => onAzurite({ container, rootDirectory: '/suite-root', listPageSize: LIST_PAGE });
  return {
    driver: open(),
    another: open,
    cleanup: async () => {
      await service.getContainerClient(container).deleteIfExists();
    },
  };
  // Azurite writes one small blob in about 10 ms: 64 MiB and 2,100 files cost half a minute and
  // show nothing more than three append blocks and a short tail, and three listing pages, do.
}, { redirects: true, largeFile: 2 * APPEND_BLOCK_BYTES + MiB + 3, manyFiles: 2 * LIST_PAGE + 30 });

describe('AzureDriver: wrong settings are named; listings page', () => {
  test('a wrong account key is refused by Azure, and the error says so', async () => {
    const container = `wharf-creds-${randomBytes(6).toString('hex')}`;
    await azuriteService().getContainerClient(container).create();
    try {
      const driver = onAzurite({
        container,
        credential: { kind: 'shared-key', accountName: AZURITE.accountName, accountKey: Buffer.from('not the key').toString('base64') },
      });
      const refused = new RegExp(`azure: ${AZURITE.serviceUrl.replace(/[.]/g, '\\.')} refused the credentials for container ${container}: (AuthorizationFailure|AuthenticationFailed)`);
      await assert.rejects(driver.stat('/'), StoreRefusalError, 'a refusal: start-up stops on it');
      await assert.rejects(driver.stat('/'), refused);
      await assert.rejects(driver.putContent('/docker/registry/v2/x', 'y'), refused);
    } finally {
      await azuriteService().getContainerClient(container).deleteIfExists();
    }
  });

  test('a missing container is named, not taken for an empty registry', async () => {
    const driver = onAzurite({ container: `wharf-missing-${randomBytes(6).toString('hex')}` });
    await assert.rejects(driver.stat('/'), StoreRefusalError);
    await assert.rejects(driver.stat('/'), /azure: ContainerNotFound: .* \(container wharf-missing-\w+ of http:/);
    await assert.rejects(driver.getContent('/docker/registry/v2/x'), /azure: ContainerNotFound/);
  });

  test('an account the endpoint does not know is named, never taken for a missing path', async () => {
    const driver = onAzurite({
      container: 'any',
      serviceUrl: AZURITE.serviceUrl.replace(/devstoreaccount1$/, 'nosuchaccount'),
      credential: { kind: 'shared-key', accountName: 'nosuchaccount', accountKey: AZURITE.accountKey },
    });
    // Azurite answers 404 ResourceNotFound: a store that is not there, not a file that is not
    await assert.rejects(driver.stat('/'), StoreRefusalError);
    await assert.rejects(driver.stat('/'), /azure: ResourceNotFound: .*nosuchaccount/);
    await assert.rejects(driver.putContent('/docker/registry/v2/x', 'y'), /azure: ResourceNotFound/);
    await assert.rejects(driver.list('/docker'), /azure: ResourceNotFound/);
  });

  test('list pages through a directory with more children than one listing request returns', async () => {
    const container = `wharf-pages-${randomBytes(6).toString('hex')}`;
    await azuriteService().getContainerClient(container).create();
    try {
      const driver = onAzurite({ container, listPageSize: 5 });
      // 8 files and 7 directories: three pages of 5, files and prefixes mixed within them
      const base = '/docker/registry/v2/repositories';
      const children = [...Array.from({ length: 8 }, (_, i) => `${base}/f${i}`), ...Array.from({ length: 7 }, (_, i) => `${base}/d${i}`)];
      await Promise.all(children.map((child, i) => driver.putContent(i < 8 ? child : `${child}/link`, 'x')));
      assert.deepEqual((await driver.list(base)).sort(), [...children].sort());
    } finally {
      await azuriteService().getContainerClient(container).deleteIfExists();
    }
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
