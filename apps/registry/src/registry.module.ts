import { Inject, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import {
  BlobService,
  CacheExpiry,
  CatalogService,
  FillCoordinator,
  PullThroughBlobs,
  PullThroughManifests,
  RepositoryReads,
  UpstreamRouter,
  isPathNotFound,
  paths,
  ManifestService,
  RegistryEvents,
  ReferrersService,
  TagService,
  UploadPurger,
  UploadService,
  WriteGuard,
  NO_BLOB_DESCRIPTOR_CACHE,
  type BlobDescriptorCache,
  type StorageDriver,
} from '@wharf/registry-core';
import type { Logger } from '@wharf/observability';
import { RegistryAuthGuard } from './auth/registry-auth.guard.js';
import type { RegistryAuthenticator } from './auth/registry-authenticator.js';
import { BaseController } from './controllers/base.controller.js';
import { BlobUploadsController } from './controllers/blob-uploads.controller.js';
import { BlobsController } from './controllers/blobs.controller.js';
import { CatalogController } from './controllers/catalog.controller.js';
import { ManifestsController } from './controllers/manifests.controller.js';
import { ReferrersController } from './controllers/referrers.controller.js';
import { TagsController } from './controllers/tags.controller.js';
import { OciErrorFilter } from './http/oci-error.filter.js';
import { EventContextFactory } from './http/event-context.factory.js';
import { UrlBuilder } from './http/url-builder.js';
import { CacheWriteGuard } from './proxy/cache-write.guard.js';
import { MirrorRuntime } from './proxy/mirror-runtime.js';
import type { RegistrySettings } from './registry-settings.js';
import { LOGGER, REGISTRY_AUTHENTICATOR, REGISTRY_SETTINGS, STORAGE_DRIVER } from './registry.tokens.js';

// registry:2 waits a random 0-60 minutes before the first purge; a minute keeps the jitter between
// replicas sharing storage while a restarted registry still cleans up soon.
const FIRST_PURGE_JITTER_MS = 60_000;
/** registry:2's proxy scheduler checks expiry every minute or so; a sweep lists every cached repository. */
const CACHE_EXPIRY_INTERVAL_MS = 10 * 60_000;
/** The start of a blob kept in memory for clients that join its download late (more would mostly feed the GC). */
const FILL_RETAIN_BYTES = 4 * 1024 * 1024;
const FILL_POLL_MS = 200;
const FILL_WAIT_MS = 15 * 60_000;

/** The data plane: the OCI distribution API over one storage driver, and its upload purging. */
@Module({})
export class RegistryModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(REGISTRY_SETTINGS) private readonly settings: RegistrySettings,
    @Inject(UploadPurger) private readonly purger: UploadPurger | null,
    @Inject(CacheExpiry) private readonly expiry: CacheExpiry,
  ) {}

  onApplicationBootstrap(): void {
    this.purger?.start(this.settings.uploadPurging.intervalMs, Math.random() * FIRST_PURGE_JITTER_MS);
    this.expiry.start(CACHE_EXPIRY_INTERVAL_MS, Math.random() * FIRST_PURGE_JITTER_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.purger?.stop(), this.expiry.stop()]);
  }

  static forRoot(
    settings: RegistrySettings,
    driver: StorageDriver,
    events: RegistryEvents,
    logger: Logger,
    authenticator: RegistryAuthenticator | null = null,
    mirror: MirrorRuntime = MirrorRuntime.NONE,
    blobCache: BlobDescriptorCache = NO_BLOB_DESCRIPTOR_CACHE,
  ): DynamicModule {
    return {
      module: RegistryModule,
      controllers: [
        BaseController,
        CatalogController,
        BlobUploadsController,
        BlobsController,
        ManifestsController,
        TagsController,
        ReferrersController,
      ],
      providers: [
        { provide: REGISTRY_SETTINGS, useValue: settings },
        { provide: LOGGER, useValue: logger },
        { provide: STORAGE_DRIVER, useValue: driver },
        { provide: WriteGuard, useValue: new WriteGuard(settings.rules) },
        { provide: RegistryEvents, useValue: events },
        {
          provide: BlobService,
          useFactory: (d: StorageDriver, g: WriteGuard, e: RegistryEvents) => new BlobService(d, g, e, blobCache, { redirect: settings.rules.redirectBlobs }),
          inject: [STORAGE_DRIVER, WriteGuard, RegistryEvents],
        },
        {
          provide: UploadService,
          useFactory: (d: StorageDriver, b: BlobService, g: WriteGuard, e: RegistryEvents) => new UploadService(d, b, g, e, { expiryMs: settings.rules.uploadExpiryMs }),
          inject: [STORAGE_DRIVER, BlobService, WriteGuard, RegistryEvents],
        },
        { provide: ReferrersService, useFactory: (d: StorageDriver) => new ReferrersService(d), inject: [STORAGE_DRIVER] },
        {
          provide: ManifestService,
          useFactory: (d: StorageDriver, b: BlobService, r: ReferrersService, g: WriteGuard, e: RegistryEvents) =>
            new ManifestService(d, b, r, g, settings.rules, e),
          inject: [STORAGE_DRIVER, BlobService, ReferrersService, WriteGuard, RegistryEvents],
        },
        { provide: TagService, useFactory: (d: StorageDriver) => new TagService(d, { maxEntries: settings.listing.maxTags }), inject: [STORAGE_DRIVER] },
        { provide: CatalogService, useFactory: (d: StorageDriver) => new CatalogService(d, { maxEntries: settings.listing.maxCatalogEntries }), inject: [STORAGE_DRIVER] },
        {
          provide: UploadPurger,
          useFactory: (d: StorageDriver, log: Logger) => (settings.uploadPurging.enabled ? uploadPurger(d, settings.uploadPurging, log) : null),
          inject: [STORAGE_DRIVER, LOGGER],
        },
        ...pullThroughProviders(settings, mirror),
        UrlBuilder,
        EventContextFactory,
        { provide: APP_FILTER, useClass: OciErrorFilter },
        // An open registry runs no guard at all: nothing on its request path.
        ...(authenticator === null
          ? []
          : [
              { provide: REGISTRY_AUTHENTICATOR, useValue: authenticator },
              { provide: APP_GUARD, useClass: RegistryAuthGuard },
            ]),
        // After authentication, so an anonymous push is still asked for credentials first.
        ...(mirror.upstreams.size === 0 ? [] : [{ provide: APP_GUARD, useClass: CacheWriteGuard }]),
      ],
    };
  }
}

/** The pull-through cache's services and the read path that routes between them and hosted repositories. */
function pullThroughProviders(settings: RegistrySettings, mirror: MirrorRuntime) {
  const coordinator = new FillCoordinator(mirror.lock, { pollMs: FILL_POLL_MS, waitMs: FILL_WAIT_MS });
  return [
    {
      provide: UpstreamRouter,
      useFactory: (d: StorageDriver) => new UpstreamRouter(mirror.mode, mirror.upstreams, (name) => hosts(d, name)),
      inject: [STORAGE_DRIVER],
    },
    {
      provide: PullThroughBlobs,
      useFactory: (d: StorageDriver, b: BlobService, e: RegistryEvents, log: Logger) =>
        new PullThroughBlobs(d, b, e, coordinator, mirror.observer, {
          retainBytes: FILL_RETAIN_BYTES,
          onFillError: (route, digest, err) => log.warn({ upstream: route.upstream.label, repository: route.name, digest: digest.value, err }, 'blob fill failed; nothing was cached'),
        }),
      inject: [STORAGE_DRIVER, BlobService, RegistryEvents, LOGGER],
    },
    {
      provide: PullThroughManifests,
      useFactory: (m: ManifestService, log: Logger) =>
        new PullThroughManifests(m, coordinator, mirror.observer, {
          onStale: (route, tag, err) => log.warn({ upstream: route.upstream.label, repository: route.name, tag, failure: err.failure }, 'upstream unavailable: serving the cached tag'),
        }),
      inject: [ManifestService, LOGGER],
    },
    {
      provide: RepositoryReads,
      useFactory: (r: UpstreamRouter, m: ManifestService, b: BlobService, pm: PullThroughManifests, pb: PullThroughBlobs, t: TagService) =>
        new RepositoryReads(r, m, b, pm, pb, t),
      inject: [UpstreamRouter, ManifestService, BlobService, PullThroughManifests, PullThroughBlobs, TagService],
    },
    {
      provide: CacheExpiry,
      useFactory: (d: StorageDriver, m: ManifestService, log: Logger) =>
        new CacheExpiry(d, m, settings.upstreams.list.map((u) => ({ host: u.host, ttlMs: u.ttlMs })), {
          deleteBlobData: settings.upstreams.mode === 'proxy',
          onRun: (report) => log.info(report, 'pull-through cache expiry finished'),
          onError: (err) => log.error({ err }, 'pull-through cache expiry failed'),
        }),
      inject: [STORAGE_DRIVER, ManifestService, LOGGER],
    },
  ];
}

/** A repository Wharf hosts has manifests of its own (docker.io caches live under `docker.io/`). */
async function hosts(driver: StorageDriver, name: string): Promise<boolean> {
  try {
    await driver.stat(paths.manifests(name));
    return true;
  } catch (err) {
    if (isPathNotFound(err)) return false;
    throw err;
  }
}

function uploadPurger(driver: StorageDriver, purging: RegistrySettings['uploadPurging'], logger: Logger): UploadPurger {
  return new UploadPurger(driver, {
    ageMs: purging.ageMs,
    dryRun: purging.dryRun,
    idleMs: purging.idleMs,
    onRun: (report) => {
      for (const upload of report.purged) {
        logger.info({ repository: upload.repository, uuid: upload.id, startedAt: upload.startedAt, dryRun: report.dryRun }, 'purged upload');
      }
      logger.info({ scanned: report.scanned, purged: report.purged.length, undated: report.undated.length, dryRun: report.dryRun }, 'upload purge finished');
    },
    onError: (err) => logger.error({ err }, 'upload purge failed'),
  });
}
