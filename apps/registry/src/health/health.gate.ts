import type { FastifyInstance } from 'fastify';
import { RegistryError } from '@wharf/registry-core';
import { OCI_ERROR_CONTENT_TYPE, ociErrorBody } from '../http/oci-error-body.js';
import type { HealthStatus } from './health.monitor.js';

const UNAVAILABLE_BODY = ociErrorBody(new RegistryError('UNAVAILABLE', 'health check failed: please see /debug/health'));

/**
 * As registry:2's health.Handler: while any check fails, every request is answered 503
 * UNAVAILABLE before it reaches a handler. Registered first, so nothing else runs for it.
 */
export function refuseWhileUnhealthy(fastify: FastifyInstance, health: HealthStatus): void {
  fastify.addHook('onRequest', (_req, reply, done) => {
    if (health.healthy()) return done();
    void reply.status(503).header('Content-Type', OCI_ERROR_CONTENT_TYPE).send(UNAVAILABLE_BODY);
  });
}
