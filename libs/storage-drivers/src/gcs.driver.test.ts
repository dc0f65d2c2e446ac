import { randomBytes } from 'node:crypto';
import { describeStorageDriver } from './driver-suite.js';
import { GcsDriver } from './gcs.driver.js';
import { FAKE_GCS, fakeGcsStorage, testServiceAccount } from './test-servers.js';

describeStorageDriver('GcsDriver (fake-gcs-server)', async () => {
  const bucket = `wharf-suite-${randomBytes(6).toString('hex')}`;
  await fakeGcsStorage().createBucket(bucket);
  const credentials = testServiceAccount();
  const open = (): GcsDriver =>
    new GcsDriver({ bucket, rootDirectory: '/suite-root', chunkSize: 1024 * 1024, credentials, endpoint: FAKE_GCS.endpoint });
  return {
    driver: open(),
    another: open,
    cleanup: async () => {
      await fakeGcsStorage().bucket(bucket).deleteFiles({ force: true });
      await fakeGcsStorage().bucket(bucket).delete();
    },
  };
  // fake-gcs-server serves signed URLs without checking their signature (see the V4 test below)
}, { redirects: true, redirectLimits: { head: false, checksSignatures: false } });
