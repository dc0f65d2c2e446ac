import { Inject, Injectable } from '@nestjs/common';
import type { WharfConfig } from '@wharf/config';
import {
  BlobService,
  CatalogService,
  DEFAULT_REGISTRY_OPTIONS,
  EVENTS_OFF,
  ManifestService,
  ReferrersService,
  RegistryEvents,
  TagService,
  WriteGuard,
} from '@wharf/registry-core';
import { createStorageDriver, storageSettingsFor } from '@wharf/storage-drivers';
import { WHARF_CONFIG } from '../api.tokens.js';

// Read-only: every write path of the services below refuses, and reads called without an event
// context emit nothing (nobody pulled). Writes go to the registry (RegistryWriter).
const READ_ONLY = new WriteGuard({ readOnly: true, deleteEnabled: false });
const NO_EVENTS = new RegistryEvents(EVENTS_OFF, { source: { addr: '', instanceID: '' }, includeReferences: false });

/**
 * The registry's storage as the API reads it: the registry-core services over the configured
 * driver (inmemory: the one the registry role in this process holds), typed down to their reads.
 */
@Injectable()
export class RegistryReader {
  readonly manifests: Pick<ManifestService, 'get' | 'resolve'>;
  readonly blobs: Pick<BlobService, 'open'>;
  readonly tags: Pick<TagService, 'list'>;
  readonly catalog: Pick<CatalogService, 'list'>;

  constructor(@Inject(WHARF_CONFIG) config: WharfConfig) {
    const driver = createStorageDriver(storageSettingsFor(config.storage.driver));
    const blobs = new BlobService(driver, READ_ONLY, NO_EVENTS);
    this.blobs = blobs;
    this.manifests = new ManifestService(driver, blobs, new ReferrersService(driver), READ_ONLY, DEFAULT_REGISTRY_OPTIONS, NO_EVENTS);
    this.tags = new TagService(driver);
    this.catalog = new CatalogService(driver);
  }
}
