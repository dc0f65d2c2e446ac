import { describeStorageDriver } from './driver-suite.js';
import { InMemoryDriver } from './inmemory.driver.js';

describeStorageDriver('InMemoryDriver', async () => {
  const driver = new InMemoryDriver();
  return { driver, another: () => driver, cleanup: async () => {} };
});
