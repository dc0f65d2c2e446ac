import { randomBytes } from 'node:crypto';
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

