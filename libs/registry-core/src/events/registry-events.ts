import { randomUUID } from 'node:crypto';
import { EventAction, type EventTarget, type RegistryEvent } from '@wharf/events';
import type { Digest } from '../digest.js';
import type { Descriptor } from '../manifest/descriptor.js';
import type { EventContext } from './event-context.js';
import type { RegistryEventSink } from './event-sink.js';

const BLOB_MEDIA_TYPE = 'application/octet-stream';

export interface RegistryEventsOptions {
  /** registry:2's `source`: this instance's address and a per-process id. */
  source: { addr: string; instanceID: string };
  /** notifications.events.includereferences: manifest events list what the manifest references. */
  includeReferences: boolean;
}

/**
 * Builds registry:2-shaped events for what the services did and hands them to
 * the sink. One method per thing that happens, named after it.
 */
export class RegistryEvents {
  constructor(
    private readonly sink: RegistryEventSink,
    private readonly options: RegistryEventsOptions,
  ) {}

  manifestPushed(ctx: EventContext, name: string, m: ManifestFacts, tags: readonly string[]): Promise<void> {
    const target = this.manifestTarget(ctx, name, m);
    const events = tags.length === 0 ? [this.event(ctx, EventAction.Push, target)] : tags.map((tag) => this.event(ctx, EventAction.Push, { ...target, tag }));
    return this.sink.publish(events);
  }

  get includeReferences(): boolean {
    return this.options.includeReferences;
  }

  /** GET and HEAD alike, as registry:2 does; consumers tell them apart by request.method. */
  manifestPulled(ctx: EventContext, name: string, m: ManifestFacts, tag: string | undefined): Promise<void> {
    const target = this.manifestTarget(ctx, name, m);
    return this.sink.publish([this.event(ctx, EventAction.Pull, tag === undefined ? target : { ...target, tag })]);
  }

  manifestDeleted(ctx: EventContext, name: string, digest: Digest): Promise<void> {
    return this.sink.publish([this.event(ctx, EventAction.Delete, { digest: digest.value, repository: name })]);
  }

  tagDeleted(ctx: EventContext, name: string, tag: string): Promise<void> {
    return this.sink.publish([this.event(ctx, EventAction.Delete, { repository: name, tag })]);
  }

  blobPushed(ctx: EventContext, name: string, digest: Digest, size: number): Promise<void> {
    return this.sink.publish([this.event(ctx, EventAction.Push, this.blobTarget(ctx, name, digest, size))]);
  }

  blobPulled(ctx: EventContext, name: string, digest: Digest, size: number): Promise<void> {
    return this.sink.publish([this.event(ctx, EventAction.Pull, this.blobTarget(ctx, name, digest, size))]);
  }

  blobMounted(ctx: EventContext, name: string, digest: Digest, size: number, from: string | undefined): Promise<void> {
    const target: EventTarget = { ...this.blobTarget(ctx, name, digest, size) };
    if (from !== undefined) target.fromRepository = from;
    return this.sink.publish([this.event(ctx, EventAction.Mount, target)]);
  }

  blobDeleted(ctx: EventContext, name: string, digest: Digest): Promise<void> {
    return this.sink.publish([this.event(ctx, EventAction.Delete, { digest: digest.value, repository: name })]);
  }

  private manifestTarget(ctx: EventContext, name: string, m: ManifestFacts): EventTarget {
    const target: EventTarget = {
      mediaType: m.mediaType,
      size: m.size,
      digest: m.digest.value,
      length: m.size,
      repository: name,
      url: `${ctx.baseUrl}v2/${name}/manifests/${m.digest.value}`,
    };
    if (this.options.includeReferences && m.references.length > 0) {
      target.references = m.references.map((d) => ({
        mediaType: d.mediaType,
        size: d.size,
        digest: d.digest,
        ...(d.platform ? { platform: d.platform } : {}),
      }));
    }
    return target;
  }

  private blobTarget(ctx: EventContext, name: string, digest: Digest, size: number): EventTarget {
    return {
      mediaType: BLOB_MEDIA_TYPE,
      size,
      digest: digest.value,
      length: size,
      repository: name,
      url: `${ctx.baseUrl}v2/${name}/blobs/${digest.value}`,
    };
  }

  private event(ctx: EventContext, action: EventAction, target: EventTarget): RegistryEvent {
    return {
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      action,
      target,
      request: ctx.request,
      actor: ctx.actor,
      source: this.options.source,
      ...(ctx.cache === undefined ? {} : { wharf: ctx.cache }),
    };
  }
}

/** What a manifest event says about the manifest. */
export interface ManifestFacts {
  digest: Digest;
  mediaType: string;
  size: number;
  /** Config, layers and child manifests, for includereferences. */
  references: readonly Descriptor[];
}
