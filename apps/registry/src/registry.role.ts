import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ConfigError, splitHostPort, type WharfConfig } from '@wharf/config';
import type { Logger, RunningRole } from '@wharf/observability';
import { closeConnection, createMetricsHandler, EventPipeline, PipelineMetrics } from '@wharf/queue';
import { EVENTS_OFF, RegistryEvents, type RegistryWriter, type StorageDriver } from '@wharf/registry-core';
import { createStorageDriver, probeStorage } from '@wharf/storage-drivers';
import { createBlobDescriptorCache } from './cache/blob-descriptor-cache.factory.js';
import { startDebugServer } from './debug-server.js';
import { healthChecks } from './health/health-checks.factory.js';
import { HealthMonitor } from './health/health.monitor.js';
import { startRegistry } from './http-server.js';
import { MirrorRuntime } from './proxy/mirror-runtime.js';
import { settingsFromConfig } from './settings-from-config.js';

/** The running registry role; `writer` is what an api role hosted in the same process writes through. */
export interface RunningRegistryRole extends RunningRole {
  readonly writer: RegistryWriter;
}

/**
 * Starts the registry role: the OCI API over the configured storage and the event pipeline: with
 * a `redis` section spool, forwarder and BullMQ endpoint delivery; without one, when
 * `notifications.endpoints` are configured, each endpoint delivered from the spool in process.
 */
export async function start(config: WharfConfig, logger: Logger): Promise<RunningRegistryRole> {
  const settings = settingsFromConfig(config);
  // One Prometheus registry for everything the debug server shows: pipeline, pull-through cache, blob descriptor cache.
  const metrics = new PipelineMetrics();
  const pipeline = await EventPipeline.start(config, logger, { metrics });
  const mirror = MirrorRuntime.create(settings.upstreams, config.redis, metrics.registry, logger, 'wharf-pull-through-cache');
  const events = new RegistryEvents(pipeline?.sink ?? EVENTS_OFF, {
    source: { addr: sourceAddr(settings.http.addr), instanceID: randomUUID() },
    ...settings.events,
  });
  const driver = createStorageDriver(settings.storage);
  await checkStorage(config, driver, logger);
  const checks = healthChecks(config.health, driver);
  const health = new HealthMonitor(checks);
  const blobCache = createBlobDescriptorCache(config, metrics.registry, logger);
  // Without checks nothing can turn unhealthy: no gate on the request path.
  const registry = await startRegistry(settings, driver, events, logger, { mirror, ...(checks.length > 0 ? { health } : {}), blobCache: blobCache.cache });
  const { debug } = config.http;
  const debugServer =
    debug.addr === undefined
      ? undefined
      : await startDebugServer(
          debug.addr,
          health,
          debug.prometheus.enabled ? { path: debug.prometheus.path, handler: createMetricsHandler(metrics.registry) } : undefined,
        );
  return {
    name: 'registry',
    writer: registry.writer,
    stop: async () => {
      logger.info({ drainTimeoutMs: settings.http.drainTimeoutMs }, 'registry: draining requests');
      await registry.close();
      debugServer?.close();
      await health.stop();
      await mirror.close();
      if (blobCache.connection !== undefined) await closeConnection(blobCache.connection);
      // After the last request: every event it spooled gets its chance to reach Redis now.
      await pipeline?.stop();
      await driver.close?.();
    },
  };
}

const STORAGE_PROBE_TIMEOUT_MS = 10_000;

/**
 * Refuses to start on storage that refuses us (wrong keys, missing bucket): that is a
 * configuration error to name now, not at the first push. A store that is merely unreachable
 * may come back, so the registry starts and says so (as registry:2, which never checks).
 */
async function checkStorage(config: WharfConfig, driver: StorageDriver, logger: Logger): Promise<void> {
  const probe = await probeStorage(driver, STORAGE_PROBE_TIMEOUT_MS);
  if (probe.ok) return;
  if (probe.refused) {
    await driver.close?.();
    throw new ConfigError([{ path: `storage.${config.storage.driver.name}`, message: probe.message }]);
  }
  logger.error({ driver: driver.name, err: probe.message }, `storage ${driver.name} is not usable: ${probe.message}`);
}

/** registry:2's event `source.addr`: this host's name with the port the registry listens on. */
function sourceAddr(addr: string): string {
  const parsed = splitHostPort(addr);
  return parsed === undefined ? hostname() : `${hostname()}:${parsed.port}`;
}
