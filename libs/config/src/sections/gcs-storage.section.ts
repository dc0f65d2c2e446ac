import { z } from 'zod';
import { freeMap, httpUrl, int, section, text } from '../config.fields.js';
import type { GcsStorageConfig } from '../config.types.js';

const GRANULE = 256 * 1024;
const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;

/**
 * storage.gcs: registry:2's keys (bucket, keyfile or credentials, rootdirectory, chunksize),
 * v3's useragent, and Wharf's own `endpoint` (an emulator or a private endpoint; requests to
 * it carry no OAuth token). Without keyfile or credentials: Application Default Credentials.
 */
export const gcsStorageSection = section({
  bucket: text().optional(),
  keyfile: text().optional(),
  credentials: freeMap().optional(),
  rootdirectory: text().default(''),
  chunksize: int({ min: GRANULE }).default(DEFAULT_CHUNK_SIZE),
  useragent: text().optional(),
  endpoint: httpUrl().optional(),
}).superRefine((raw, ctx) => {
  const refuse = (path: string[], message: string): void => {
    ctx.addIssue({ code: 'custom', path, message });
  };
  if (raw.bucket === undefined) refuse(['bucket'], 'required: the bucket that holds the registry');
  if (raw.chunksize % GRANULE !== 0) refuse(['chunksize'], `must be a multiple of ${GRANULE} (256 KiB), as GCS resumable uploads require`);
  const credentials = raw.credentials;
  if (credentials !== undefined && Object.keys(credentials).length > 0) {
    if (raw.keyfile !== undefined) refuse(['credentials'], 'give keyfile or credentials, not both');
    if (credentials['type'] !== 'service_account' || typeof credentials['client_email'] !== 'string' || typeof credentials['private_key'] !== 'string') {
      refuse(['credentials'], 'must be a service account key: type service_account, client_email and private_key');
    }
  }
});

export function toGcsStorageConfig(raw: z.output<typeof gcsStorageSection>): GcsStorageConfig {
  const credentials = raw.credentials !== undefined && Object.keys(raw.credentials).length > 0 ? raw.credentials : undefined;
  return {
    name: 'gcs',
    bucket: raw.bucket ?? '',
    rootDirectory: raw.rootdirectory,
    chunkSize: raw.chunksize,
    ...(raw.keyfile !== undefined ? { keyFile: raw.keyfile } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
    ...(raw.useragent !== undefined ? { userAgent: raw.useragent } : {}),
    ...(raw.endpoint !== undefined ? { endpoint: raw.endpoint } : {}),
  };
}
