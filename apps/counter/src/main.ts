import type { WharfConfig } from '@wharf/config';
import type { Logger, RunningRole } from '@wharf/observability';

/** Starts the counter role. */
export async function start(config: WharfConfig, logger: Logger): Promise<RunningRole> {
  void config;
  void logger;
  throw new Error('the counter role is being built');
}
