import type { WharfConfig } from '@wharf/config';
import type { Logger, RunningRole } from '@wharf/observability';

/** Starts the deployer role. */
export async function start(config: WharfConfig, logger: Logger): Promise<RunningRole> {
  void config;
  void logger;
  throw new Error('the deployer role is being built');
}
