import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { WharfConfig } from '@wharf/config';
import type { Logger, RunningRole } from '@wharf/observability';
import { EVENTS_OFF, RegistryEvents } from '@wharf/registry-core';
import { startRegistry } from './http-server.js';
import { settingsFromConfig } from './settings-from-config.js';
import { createStorageDriver } from './storage-driver.factory.js';

/** Starts the registry role: the OCI API over the configured storage. */
export async function start(config: WharfConfig, logger: Logger): Promise<RunningRole> {
  const settings = settingsFromConfig(config);
  const events = new RegistryEvents(EVENTS_OFF, {
    source: { addr: sourceAddr(settings.http.addr), instanceID: randomUUID() },
    ...settings.events,
  });
  const registry = await startRegistry(settings, createStorageDriver(settings.storage), events, logger);
  return {
    name: 'registry',
    stop: async () => {
      logger.info({ drainTimeoutMs: settings.http.drainTimeoutMs }, 'registry: draining requests');
      await registry.close();
    },
  };
}


/** registry:2's event `source.addr`: this host's name with the port the registry listens on. */
function sourceAddr(addr: string): string {
  const colon = addr.lastIndexOf(':');
  return colon === -1 ? hostname() : `${hostname()}:${addr.slice(colon + 1)}`;
}
