import { Inject } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { InternalConsumer, internalQueueName, type RegistryEvent } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import type { CounterService, CountOutcome } from './counter.service.js';
import { COUNTER_LOGGER, COUNTER_SERVICE } from './counter.tokens.js';
import { InvalidEventError } from './invalid-event.error.js';
import { ShutdownError } from './shutdown.error.js';

/**
 * Worker settings. Many jobs in flight at once is what lets the service batch them into one
 * transaction. A short lock means a SIGKILLed worker's jobs are taken over within ~15 s; tolerating
 * several stalls keeps repeated crashes from failing a job (the event-id dedupe makes the rerun safe).
 */
export const COUNTER_WORKER_OPTIONS = {
  concurrency: 200,
  lockDuration: 10_000,
  stalledInterval: 5_000,
  maxStalledCount: 20,
} as const;

/** The counter's BullMQ consumer: one job per registry event (job id `${event.id}:counter`). */
@Processor(internalQueueName(InternalConsumer.Counter), COUNTER_WORKER_OPTIONS)
export class CountedEventsProcessor extends WorkerHost {
  constructor(
    @Inject(COUNTER_SERVICE) private readonly counter: CounterService,
    @Inject(COUNTER_LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  async process(job: Job<RegistryEvent>, token?: string): Promise<CountOutcome> {
    try {
      return await this.counter.count(job.data);
    } catch (error) {
      if (error instanceof InvalidEventError) throw new UnrecoverableError(error.message);
      if (error instanceof ShutdownError) {
        // back to the queue without using an attempt; if Redis is gone too, the lock expires and
        // the job is picked up again as stalled
        await job.moveToDelayed(Date.now() + 1_000, token);
        throw new DelayedError();
      }
      this.logger.error({ err: error, jobId: job.id }, 'counting an event failed');
      throw error;
    }
  }
}
