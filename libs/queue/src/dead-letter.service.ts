import { EVENT_JOB_NAME, type RegistryEvent } from '@wharf/events';
import type { Job } from 'bullmq';
import { queueJobId } from './job-ids.js';
import type { QueueCatalog } from './queue-catalog.js';

export interface DeadLetter {
  jobId: string;
  event: RegistryEvent;
  failedReason: string;
  attemptsMade: number;
  /** When the job entered the queue. */
  enqueuedAt: string;
  failedAt: string | null;
}

export interface DeadLetterPage {
  total: number;
  items: DeadLetter[];
}

export interface RedeliveryResult {
  /** Ids of the new jobs, in the order the dead letters were taken. */
  redelivered: { from: string; jobId: string }[];
  /** Requested ids that are not (or no longer) dead letters of this queue. */
  notFound: string[];
}

const PAGE = 500;

/**
 * The dead-letter set of a queue is BullMQ's failed set: deliveries past the endpoint's
 * maxretryage, internal jobs that used up their attempts or failed with UnrecoverableError.
 *
 * Redelivery enqueues a fresh copy of the event (new job id with a suffix, fresh timestamp so the
 * retry-age clock restarts, the queue's normal job options) at the tail of the queue, then removes
 * the dead letter. The copy is added first: a crash in between leaves a duplicate, never a loss,
 * and consumers de-duplicate by event id.
 */
export class DeadLetterService {
  constructor(private readonly catalog: QueueCatalog) {}

  async list(name: string, offset: number, limit: number): Promise<DeadLetterPage> {
    const queue = this.catalog.queue(name);
    const [total, jobs] = await Promise.all([queue.getFailedCount(), queue.getFailed(offset, offset + limit - 1)]);
    return { total, items: jobs.filter((job): job is Job<RegistryEvent> => job !== undefined).map(toDeadLetter) };
  }

  /** Redelivers the given dead letters, or all of them when `jobIds` is undefined. */
  async redeliver(name: string, jobIds?: readonly string[]): Promise<RedeliveryResult> {
    const queue = this.catalog.queue(name);
    const result: RedeliveryResult = { redelivered: [], notFound: [] };
    // Taken once up front, so jobs that fail again while this runs are not picked up in a loop.
    const ids = jobIds ?? (await queue.getRanges(['failed'], 0, -1, true));
    const suffix = `redelivered-${Date.now().toString(36)}`;
    for (let i = 0; i < ids.length; i += PAGE) {
      const page = ids.slice(i, i + PAGE);
      const jobs = await Promise.all(page.map(async (id) => ({ id, job: (await queue.getJob(id)) as Job<RegistryEvent> | undefined })));
      const found: Job<RegistryEvent>[] = [];
      for (const { id, job } of jobs) {
        if (job !== undefined && (await job.isFailed())) found.push(job);
        else result.notFound.push(id);
      }
      if (found.length === 0) continue;
      const route = this.catalog.route(name)!;
      const copies = found.map((job) => ({
        name: EVENT_JOB_NAME,
        data: job.data,
        opts: { ...route.jobOptions, jobId: queueJobId(job.data.id, route.consumer, suffix) },
      }));
      await queue.addBulk(copies);
      for (const [index, job] of found.entries()) {
        await job.remove();
        result.redelivered.push({ from: job.id!, jobId: copies[index]!.opts.jobId });
      }
    }
    return result;
  }
}

function toDeadLetter(job: Job<RegistryEvent>): DeadLetter {
  return {
    jobId: job.id!,
    event: job.data,
    failedReason: job.failedReason,
    attemptsMade: job.attemptsMade,
    enqueuedAt: new Date(job.timestamp).toISOString(),
    failedAt: job.finishedOn === undefined ? null : new Date(job.finishedOn).toISOString(),
  };
}
