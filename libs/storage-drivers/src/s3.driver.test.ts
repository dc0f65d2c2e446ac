import { describeStorageDriver } from './driver-suite.js';
import { S3Driver } from './s3.driver.js';
import { createTestBucket, s3TestSettings } from './s3-test-bucket.js';

describeStorageDriver(
  'S3Driver on versitygw',
  async () => {
    const bucket = await createTestBucket('suite');
    // a root directory, as most registry:2 S3 configs have; small copy chunks so moves of the
    // suite's 64 MiB file go through the parallel multipart copy
    const settings = s3TestSettings(bucket.name, { rootDirectory: '/registry', multipartCopyChunkSize: 8 * 1024 * 1024 });
    const driver = new S3Driver(settings);
    const replica = new S3Driver(settings);
    return {
      driver,
      another: () => replica,
      cleanup: async () => {
        await Promise.all([driver.close(), replica.close()]);
        await bucket.remove();
      },
    };
  },
  { redirects: true },
);
