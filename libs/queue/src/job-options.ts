import type { JobsOptions } from 'bullmq';

/*
 * Job options per kind of consumer. Job data is the RegistryEvent itself (small: ids, digests,
 * addresses), and finished jobs are trimmed so Redis holds a bounded window of them:
 * - completed jobs are kept for an hour (at most 1,000 per queue): long enough for the health API's
 *   latency figures and for job-id de-duplication of a forwarder replay after a crash, which only
 *   re-adds the last unacknowledged batch;
 * - failed jobs are the dead-letter set: kept 30 days (at most 100,000 per queue) so an operator can
 *   inspect and redeliver them.
 */
const KEEP_COMPLETED = { age: 3_600, count: 1_000 };
const KEEP_DEAD_LETTERS = { age: 30 * 24 * 3_600, count: 100_000 };

/**
 * Internal consumers (indexer, counter, deployer): BullMQ retries with exponential backoff
 * (1 s, 2 s, 4 s … with 20% jitter); 16 attempts span about 18 hours before a job dead-letters.
 * A worker whose downstream is down as a whole (Elasticsearch, PostgreSQL) does better to pause or
 * rate-limit its queue than to burn attempts, as EndpointDeliveryWorker does.
 */
export const INTERNAL_JOB_OPTIONS: JobsOptions = {
  attempts: 16,
  backoff: { type: 'exponential', delay: 1_000, jitter: 0.2 },
  removeOnComplete: KEEP_COMPLETED,
  removeOnFail: KEEP_DEAD_LETTERS,
};

/**
 * registry:2 endpoints: one attempt as far as BullMQ knows. The delivery worker retries itself with
 * registry:2's threshold/backoff breaker and keeps the job at the head of the queue (order is kept);
 * only a delivery older than the endpoint's maxretryage fails, which is the dead-letter state.
 */
export const ENDPOINT_JOB_OPTIONS: JobsOptions = {
  attempts: 1,
  removeOnComplete: KEEP_COMPLETED,
  removeOnFail: KEEP_DEAD_LETTERS,
};
