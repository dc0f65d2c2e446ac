import { Inject, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import {
  BlobService,
  CatalogService,
  ManifestService,
  RegistryEvents,
  ReferrersService,
  TagService,
  UploadPurger,
  UploadService,
  WriteGuard,
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
import type { RegistrySettings } from './registry-settings.js';
import { LOGGER, REGISTRY_AUTHENTICATOR, REGISTRY_SETTINGS, STORAGE_DRIVER } from './registry.tokens.js';

// registry:2 waits a random 0-60 minutes before the first purge; a minute keeps the jitter between
// replicas sharing storage while a restarted registry still cleans up soon.
const FIRST_PURGE_JITTER_MS = 60_000;

/** The data plane: the OCI distribution API over one storage driver, and its upload purging. */
@Module({})
export class RegistryModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(REGISTRY_SETTINGS) private readonly settings: RegistrySettings,
    @Inject(UploadPurger) private readonly purger: UploadPurger | null,
  ) {}

  onApplicationBootstrap(): void {
    this.purger?.start(this.settings.uploadPurging.intervalMs, Math.random() * FIRST_PURGE_JITTER_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.purger?.stop();
  }

  static forRoot(
    settings: RegistrySettings,
    driver: StorageDriver,
    events: RegistryEvents,
    logger: Logger,
    authenticator: RegistryAuthenticator | null = null,
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
          useFactory: (d: StorageDriver, g: WriteGuard, e: RegistryEvents) => new BlobService(d, g, e, { redirect: settings.rules.redirectBlobs }),
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
        { provide: TagService, useFactory: (d: StorageDriver) => new TagService(d), inject: [STORAGE_DRIVER] },
        { provide: CatalogService, useFactory: (d: StorageDriver) => new CatalogService(d), inject: [STORAGE_DRIVER] },
        {
          provide: UploadPurger,
          useFactory: (d: StorageDriver, log: Logger) => (settings.uploadPurging.enabled ? uploadPurger(d, settings.uploadPurging, log) : null),
          inject: [STORAGE_DRIVER, LOGGER],
        },
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
      ],
    };
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
