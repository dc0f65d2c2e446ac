import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { PayloadFormat } from './payload-format.js';

/**
 * A CI/CD webhook subscription. `secret` is the HMAC key of every delivery (and may be used as
 * `{{secret}}` in a template); the API never returns it after creation. Health columns are kept by
 * the deployer: a subscription failing `webhooks.failurethreshold` attempts in a row is flagged
 * `failing`, never disabled. `created_at`/`updated_at` are plain columns so health updates do not
 * move `updated_at` (it tracks configuration changes only).
 */
@Entity({ name: 'webhook_subscriptions' })
export class WebhookSubscriptionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** http(s) URL; may contain `{{placeholders}}` (substituted URL-encoded). */
  @Column({ type: 'text' })
  url!: string;

  /**
   * The HMAC key, in plain text in memory only: the column holds it encrypted, and
   * WebhookSubscriptionsRepository seals it on write and opens it on read (webhook-secret.cipher.ts).
   */
  @Column({ type: 'text' })
  secret!: string;

  /** Not a column: why `secret` could not be decrypted (it is then ''), e.g. api.secret changed. */
  secretError?: string;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ type: 'text' })
  format!: PayloadFormat;

  /** Event actions delivered (push, pull, mount, delete). */
  @Column({ name: 'filter_actions', type: 'text', array: true })
  filterActions!: string[];

  /** Glob over the repository name; null: every repository. */
  @Column({ name: 'filter_repository', type: 'text', nullable: true })
  filterRepository!: string | null;

  /** Glob, or `/regex/` over the tag; null: tagged and untagged events alike. */
  @Column({ name: 'filter_tag', type: 'text', nullable: true })
  filterTag!: string | null;

  /** Glob over the actor name; null: any actor, anonymous included. */
  @Column({ name: 'filter_actor', type: 'text', nullable: true })
  filterActor!: string | null;

  /** Blob events (layer pushes, mounts) are skipped unless set. */
  @Column({ name: 'include_blobs', type: 'boolean' })
  includeBlobs!: boolean;

  /** Extra request headers (values may hold placeholders). */
  @Column({ type: 'jsonb' })
  headers!: Record<string, string>;

  /** The `template` format's body. */
  @Column({ name: 'body_template', type: 'text', nullable: true })
  bodyTemplate!: string | null;

  /** The `template` format's Content-Type; JSON types get JSON-escaped substitutions. */
  @Column({ name: 'content_type', type: 'text', nullable: true })
  contentType!: string | null;

  @Column({ name: 'consecutive_failures', type: 'integer' })
  consecutiveFailures!: number;

  @Column({ type: 'boolean' })
  failing!: boolean;

  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'last_success_at', type: 'timestamptz', nullable: true })
  lastSuccessAt!: Date | null;

  @Column({ name: 'last_failure_at', type: 'timestamptz', nullable: true })
  lastFailureAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
