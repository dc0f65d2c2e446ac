import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { WharfConfig } from '@wharf/config';
import type { Logger } from '@wharf/observability';
import { EventPipeline, resolveSpoolDirectory } from '@wharf/queue';
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
  type RegistryEventSink,
} from '@wharf/registry-core';
import { createStorageDriver, storageSettingsFromConfig } from '@wharf/storage-drivers';
import { DEFAULT_API_ADDR } from '../api.defaults.js';
import { LOGGER, WHARF_CONFIG } from '../api.tokens.js';

/**
 * The registry's storage as the API reads and changes it: the same driver and the same
 * registry-core services the registry uses, over the same configuration, never the registry's HTTP.
 * Deletes go through ManifestService and so emit registry:2 delete events, into the API's own event
 * pipeline: its own spool (`<registry spool>/api`: a spool has one writer) forwarding into the same
 * queues. Endpoint delivery stays with the registry role.
 */
@Injectable()
export class RegistryStorage implements OnModuleInit, OnApplicationShutdown {
  readonly manifests: ManifestService;
  readonly blobs: BlobService;
  readonly tags: TagService;
  readonly catalog: CatalogService;
  private readonly sink: DeferredSink = new DeferredSink();
  private pipeline: EventPipeline | undefined;

  constructor(
    @Inject(WHARF_CONFIG) private readonly config: WharfConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const driver = createStorageDriver(storageSettingsFromConfig(config));
    const rules = { ...DEFAULT_REGISTRY_OPTIONS, deleteEnabled: config.storage.delete.enabled, readOnly: config.storage.maintenance.readOnly.enabled };
    const guard = new WriteGuard(rules);
    const events = new RegistryEvents(this.sink, {
      source: { addr: sourceAddr(config.api?.addr ?? DEFAULT_API_ADDR), instanceID: randomUUID() },
      includeReferences: config.notifications.events.includeReferences,
    });
    this.blobs = new BlobService(driver, guard, events);
    this.manifests = new ManifestService(driver, this.blobs, new ReferrersService(driver), guard, rules, events);
    this.tags = new TagService(driver);
    this.catalog = new CatalogService(driver);
  }

  async onModuleInit(): Promise<void> {
    if (this.config.redis === undefined) return;
    // inmemory storage without a configured spool: the pipeline makes a fresh temp folder of its own
    const temporary = this.config.notifications.spool.directory === undefined && this.config.storage.driver.name === 'inmemory';
    const options = temporary ? {} : { spoolDirectory: join((await resolveSpoolDirectory(this.config)).directory, 'api') };
    this.pipeline = await EventPipeline.start(this.config, this.logger, { ...options, deliverEndpoints: false });
    if (this.pipeline !== undefined) this.sink.target = this.pipeline.sink;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pipeline?.stop();
  }
}

/** Events go nowhere until the pipeline is up (no redis section: never). */
class DeferredSink implements RegistryEventSink {
  target: RegistryEventSink = EVENTS_OFF;

  publish(events: Parameters<RegistryEventSink['publish']>[0]): Promise<void> {
    return this.target.publish(events);
  }
}


/** registry:2's event `source.addr`: this host's name with the port this role listens on. */
function sourceAddr(addr: string): string {
  const colon = addr.lastIndexOf(':');
  return colon === -1 ? hostname() : `${hostname()}:${addr.slice(colon + 1)}`;
}
