/**
 * What each Wharf role (registry, indexer, counter, deployer, api) returns from
 * its `start(config, logger)`: bin/wharf starts the roles a process hosts and
 * stops them in reverse order on SIGTERM.
 */
export interface RunningRole {
  readonly name: string;
  stop(): Promise<void>;
}
