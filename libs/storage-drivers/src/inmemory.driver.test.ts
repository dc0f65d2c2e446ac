import { describeStorageDriver } from './driver-suite.js';
import { InMemoryDriver } from './inmemory.driver.js';

describeStorageDriver('InMemoryDriver', async () => ({ driver: new InMemoryDriver(), cleanup: async () => {} }));
