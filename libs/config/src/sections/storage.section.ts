import { z } from 'zod';
import { bool, choice, duration, int, section, text } from '../config.fields.js';
import { envHints } from '../env-hints.js';
import { isRawMap } from '../raw-value.js';
import { azureStorageSection, toAzureStorageConfig } from './azure-storage.section.js';
import { gcsStorageSection, toGcsStorageConfig } from './gcs-storage.section.js';
import type { StorageConfig, StorageDriverConfig } from '../config.types.js';
import { ossSection, ossToS3Config, s3Section, toS3Config } from './s3.section.js';
import { swiftStorageSection, toSwiftStorageConfig } from './swift-storage.section.js';

export const SUPPORTED_DRIVERS = ['filesystem', 'inmemory', 's3', 'oss', 'azure', 'gcs', 'swift'] as const;

/** Keys under `storage` that configure the registry rather than name a driver (as registry:2). */
export const STORAGE_SUBSECTIONS = ['delete', 'maintenance', 'cache', 'redirect', 'tag'] as const;

/** Drivers registry:2 has shipped; named so the error can say "not supported yet" rather than "unknown". */
export const KNOWN_UNSUPPORTED_DRIVERS = ['rados'] as const;

/** Drivers registry:2 itself dropped, with what their users move to (checked before the lists above). */
export const REMOVED_DRIVERS: Readonly<Record<string, string>> = {
  rados:
    'the rados driver was removed from registry:2 (2.8 no longer has it) and Wharf has none; ' +
    "reach Ceph through its RADOS Gateway's S3 API instead: a storage.s3 section whose regionendpoint is the gateway's URL",
};

const FILESYSTEM_DEFAULT_ROOT = '/var/lib/registry';
const FILESYSTEM_DEFAULT_THREADS = 100;
const FILESYSTEM_MIN_THREADS = 25;
const HOUR_MS = 3_600_000;

const filesystem = section({
  rootdirectory: text().default(FILESYSTEM_DEFAULT_ROOT),
  maxthreads: int({ min: 1 }).default(FILESYSTEM_DEFAULT_THREADS),
});

const storageObject = z
  .strictObject({
    filesystem: filesystem.optional(),
    inmemory: section({}).optional(),
    s3: s3Section.optional(),
    oss: ossSection.optional(),
    azure: azureStorageSection.optional(),
    gcs: gcsStorageSection.optional(),
    swift: swiftStorageSection.optional(),
    delete: section({ enabled: bool().default(false) }),
    maintenance: section({
      uploadpurging: section({
        enabled: bool().default(true),
        age: duration().default(168 * HOUR_MS),
        interval: duration().default(24 * HOUR_MS),
        dryrun: bool().default(false),
      }),
      readonly: section({ enabled: bool().default(false) }),
    }),
    cache: section({
      blobdescriptor: choice(['inmemory', 'redis']).optional(),
      layerinfo: choice(['inmemory', 'redis']).optional(), // pre-2.1 spelling of blobdescriptor
      blobdescriptorsize: int({ min: 0 }).default(10_000), // 0: unbounded, as registry:2 3.x
    }).superRefine((cache, ctx) => {
      // registry:2 would silently prefer blobdescriptor; a value that is read and then ignored is refused.
      if (cache.layerinfo !== undefined && cache.blobdescriptor !== undefined && cache.layerinfo !== cache.blobdescriptor) {
        ctx.addIssue({
          code: 'custom',
          path: ['layerinfo'],
          message: `is the older name of storage.cache.blobdescriptor, which says ${cache.blobdescriptor}: keep one of the two`,
        });
      }
    }),
    redirect: section({ disable: bool().default(false) }),
    tag: section({ concurrencylimit: int({ min: 0 }).optional() }), // 0: the number of CPUs, as registry:2
  })
  // Any other key names a driver Wharf lacks; the error message is built from the key by the
  // issue formatter (see validation-issues.ts), which knows the key's name.
  .catchall(
    z.unknown().superRefine((_value, ctx) => {
      ctx.addIssue({ code: 'custom', message: 'unsupported storage driver', params: { kind: 'storage-driver' } });
    }),
  )
  .register(envHints, { selector: { keep: STORAGE_SUBSECTIONS } });

/**
 * `storage` must name exactly one driver. registry:2 also accepts `storage: inmemory` (a bare
 * driver name), which is what REGISTRY_STORAGE=inmemory produces.
 */
export const storageSection = z.preprocess((value, ctx) => {
  const map = typeof value === 'string' && value !== '' ? { [value]: {} } : value;
  if (!isRawMap(map)) {
    ctx.addIssue({ code: 'custom', message: noDriverMessage(), input: value });
    return map;
  }
  const normalised: Record<string, unknown> = {};
  const drivers: string[] = [];
  for (const [key, item] of Object.entries(map)) {
    const isSubsection = (STORAGE_SUBSECTIONS as readonly string[]).includes(key);
    if (!isSubsection) drivers.push(key);
    // `inmemory:` (null) names the driver; a null subsection is simply absent.
    if (item !== null) normalised[key] = item;
    else if (!isSubsection) normalised[key] = {};
  }
  if (drivers.length === 0) ctx.addIssue({ code: 'custom', message: noDriverMessage(), input: value });
  if (drivers.length > 1) {
    ctx.addIssue({
      code: 'custom',
      message: `exactly one storage driver must be configured, found ${drivers.length}: ${drivers.join(', ')}`,
      input: value,
    });
  }
  return normalised;
}, storageObject);

function noDriverMessage(): string {
  return `no storage driver configured; name one of: ${SUPPORTED_DRIVERS.join(', ')}`;
}

export function toStorageConfig(raw: z.output<typeof storageSection>): StorageConfig {
  const fs = raw.filesystem;
  const driver: StorageDriverConfig =
    raw.azure !== undefined
      ? toAzureStorageConfig(raw.azure)
      : raw.gcs !== undefined
        ? toGcsStorageConfig(raw.gcs)
        : raw.swift !== undefined
          ? toSwiftStorageConfig(raw.swift)
          : raw.s3 !== undefined
            ? { name: 's3', s3: toS3Config(raw.s3) }
            : raw.oss !== undefined
              ? { name: 'oss', s3: ossToS3Config(raw.oss) }
              : fs !== undefined
                ? {
                    name: 'filesystem',
                    rootDirectory: fs.rootdirectory,
                    // registry:2 raises a lower maxthreads to its minimum rather than refusing it.
                    maxThreads: Math.max(fs.maxthreads, FILESYSTEM_MIN_THREADS),
                  }
                : { name: 'inmemory' };
  const purging = raw.maintenance.uploadpurging;
  const blobDescriptor = raw.cache.blobdescriptor ?? raw.cache.layerinfo;
  return {
    driver,
    delete: { enabled: raw.delete.enabled },
    maintenance: {
      uploadPurging: {
        enabled: purging.enabled,
        ageMs: purging.age,
        intervalMs: purging.interval,
        dryRun: purging.dryrun,
      },
      readOnly: { enabled: raw.maintenance.readonly.enabled },
    },
    cache: {
      ...(blobDescriptor === undefined ? {} : { blobDescriptor }),
      blobDescriptorSize: raw.cache.blobdescriptorsize,
    },
    redirect: { disable: raw.redirect.disable },
    tag: !raw.tag.concurrencylimit ? {} : { concurrencyLimit: raw.tag.concurrencylimit },
  };
}
