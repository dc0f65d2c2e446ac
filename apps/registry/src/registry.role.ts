import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { splitHostPort, type WharfConfig } from '@wharf/config';
import type { Logger, RunningRole } from '@wharf/observability';
import { closeConnection, createMetricsHandler, EventPipeline, PipelineMetrics } from '@wharf/queue';
import { EVENTS_OFF, RegistryEvents, type RegistryWriter } from '@wharf/registry-core';
import { createStorageDriver } from '@wharf/storage-drivers';
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
  // An object store is reached only on the first request: probe it now so that wrong credentials or
  // an unreachable endpoint are named at start-up, not first by a failing push.
  driver.stat('/').catch((err: unknown) => {
    logger.error({ driver: driver.name, err: (err as Error).message }, `storage ${driver.name} is not usable: ${(err as Error).message}`);
  });
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
    },
  };
}

/** registry:2's event `source.addr`: this host's name with the port the registry listens on. */
function sourceAddr(addr: string): string {
  const parsed = splitHostPort(addr);
  return parsed === undefined ? hostname() : `${hostname()}:${parsed.port}`;
}
