import { randomBytes } from 'node:crypto';
import { describeStorageDriver } from './driver-suite.js';
import { GcsDriver } from './gcs.driver.js';
import { FAKE_GCS, fakeGcsStorage, testServiceAccount } from './test-servers.js';

describeStorageDriver('GcsDriver (fake-gcs-server)', async () => {
  const bucket = `wharf-suite-${randomBytes(6).toString('hex')}`;
  await fakeGcsStorage().createBucket(bucket);
  return {
    driver: new GcsDriver({
      bucket,
      rootDirectory: '/suite-root',
      chunkSize: 1024 * 1024,
      credentials: testServiceAccount(),
      endpoint: FAKE_GCS.endpoint,
    }),
    cleanup: async () => {
      await fakeGcsStorage().bucket(bucket).deleteFiles({ force: true });
      await fakeGcsStorage().bucket(bucket).delete();
    },
  };
});
