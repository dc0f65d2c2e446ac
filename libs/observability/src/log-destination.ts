import sonicBoom from 'sonic-boom';

// A CommonJS module: its class is a property of module.exports under ESM.
const { SonicBoom } = sonicBoom;

export interface LogDestinationOptions {
  /** File descriptor written to; default stdout's. */
  fd?: number;
  /** Lines waiting for a slow reader beyond this many bytes are dropped. Default 8 MiB. */
  maxBufferedBytes?: number;
  /** How long `flush` waits for a reader that does not read. Default 2 s. */
  flushWithinMs?: number;
}

/** The reader is gone for good: writing again can only fail the same way. */
const READER_GONE = new Set(['EPIPE', 'EBADF', 'ECONNRESET', 'ENOTCONN']);

/**
 * Where log lines go: asynchronous writes (sonic-boom) that never stand in the way of a request or
 * of shutdown, whatever the reader does.
 *
 * - A reader that went away (`wharf serve | head`): the first failed write turns logging off.
 * - A reader that stopped reading: writes are retried in the background, lines queue up to
 *   `maxBufferedBytes` and later ones are dropped; nothing blocks.
 * - `flush` waits for queued lines at most `flushWithinMs`.
 *
 * pino's own stdout stream would instead write what is queued synchronously from its exit hook,
 * and sonic-boom's synchronous flush retries a failed write (EPIPE included) forever: SIGTERM then
 * never ended with a log reader gone. This destination registers no exit hook.
 */
export class LogDestination {
  private readonly boom: InstanceType<typeof SonicBoom>;
  private readonly flushWithinMs: number;
  private queued = false;
  private broken = false;
  private readonly drained = new Set<() => void>();

  constructor(options: LogDestinationOptions = {}) {
    // process.stdout, once touched, puts a pipe or socket on stdout in non-blocking mode: a full
    // pipe then answers EAGAIN (retried later) instead of holding a libuv thread, which the
    // filesystem storage driver needs, inside write(2).
    const fd = options.fd ?? process.stdout.fd;
    this.boom = new SonicBoom({ fd, sync: false, maxLength: options.maxBufferedBytes ?? 8 * 1024 * 1024 });
    this.flushWithinMs = options.flushWithinMs ?? 2_000;
    this.boom.on('drain', () => this.settle());
    this.boom.on('error', (err: NodeJS.ErrnoException) => {
      // Any other error (a full disk under a log file) may pass: the next line tries again.
      if (err.code === undefined || !READER_GONE.has(err.code)) return;
      this.broken = true;
      this.settle();
    });
  }

  /** pino's entry point: one serialized line. */
  write(line: string): boolean {
    if (this.broken) return true;
    this.queued = true;
    this.boom.write(line);
    return true;
  }

  /** Calls back once the queued lines are written, the reader is gone, or `flushWithinMs` passed. */
  flush(callback?: (err?: Error) => void): void {
    if (!this.queued || this.broken) {
      callback?.();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      this.drained.delete(done);
      callback?.();
    };
    const timer = setTimeout(done, this.flushWithinMs);
    timer.unref();
    this.drained.add(done);
  }

  private settle(): void {
    this.queued = false;
    for (const done of [...this.drained]) done();
  }
}
