/** One problem with the configuration, located by its key path (e.g. "storage.delete.enabled"). */
export interface ConfigIssue {
  /** Dotted key path with list indices in brackets, or an environment variable name. */
  readonly path: string;
  readonly message: string;
  /** The environment variable that supplied the offending value, when it came from one. */
  readonly envVar?: string;
}

/**
 * Thrown once, at start-up, for everything wrong with the configuration. The message has one line
 * per issue ("storage.delete.enabled: expected a boolean") and never contains a configured value,
 * so it is safe to log even when the offending key is a password or http.secret.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly issues: readonly ConfigIssue[],
    /** The config file (or "environment") the issues were found in, when known. */
    readonly origin?: string,
  ) {
    super(issues.map(formatIssue).join('\n'));
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const from = issue.envVar !== undefined && issue.envVar !== issue.path ? ` (from ${issue.envVar})` : '';
  return `${issue.path}: ${issue.message}${from}`;
}
