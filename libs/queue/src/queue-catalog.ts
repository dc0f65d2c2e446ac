import { QUEUE_PREFIX } from '@wharf/events';
import { Queue } from 'bullmq';
import type { RedisConnection } from './redis-connection.js';
import { EndpointBreaker } from './endpoint-breaker.js';
import type { QueueRoute } from './queue-routes.js';

/**
 * The configured queues, by name, with lazily opened BullMQ Queue handles on one shared producer
 * connection: what the API and the metrics read and manage. Names not in the configuration are
 * unknown here, so a typo in an API path is a 404, not a new empty queue.
 */
export class QueueCatalog {
  private readonly routes: Map<string, QueueRoute>;
  private readonly queues = new Map<string, Queue>();
  private readonly breakers = new Map<string, EndpointBreaker>();

  constructor(
    readonly connection: RedisConnection,
    routes: readonly QueueRoute[],
    readonly prefix: string = QUEUE_PREFIX,
  ) {
    this.routes = new Map(routes.map((route) => [route.name, route]));
  }

  names(): string[] {
    return [...this.routes.keys()];
  }

  route(name: string): QueueRoute | undefined {
    return this.routes.get(name);
  }

  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (queue === undefined) {
      if (!this.routes.has(name)) throw new Error(`unknown queue ${name}`);
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      queue.on('error', () => undefined); // failures surface through the calls that hit them
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** The breaker of an endpoint queue, undefined for internal consumers. */
  breaker(name: string): EndpointBreaker | undefined {
    const endpoint = this.routes.get(name)?.endpoint;
    if (endpoint === undefined) return undefined;
    let breaker = this.breakers.get(name);
    if (breaker === undefined) {
      breaker = EndpointBreaker.inRedis(this.connection, this.prefix, name, endpoint.threshold, endpoint.backoffMs);
      this.breakers.set(name, breaker);
    }
    return breaker;
  }

  /** Detaches the Queue handles; the connection belongs to the caller. */
  async close(): Promise<void> {
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.allSettled(queues.map((queue) => queue.close()));
  }
}
