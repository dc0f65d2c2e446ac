import type { EventContext } from '../events/event-context.js';
import type { ManifestReference } from '../reference.js';

/**
 * What another role (the API) may ask the registry to change. Only the registry writes storage and
 * emits events: in its own process this is its ManifestService, whose events go through the
 * registry's own spool; from another process, a client of its `/v2` API. `ctx` says who asked
 * (`actor.name` is the signed-in user) and from where.
 */
export interface RegistryWriter {
  /** As `DELETE /v2/<name>/manifests/<reference>`: a tag alone, or a manifest with every tag on it. */
  delete(name: string, reference: ManifestReference, ctx: EventContext): Promise<unknown>;
}
