/** One periodic check: a probe that resolves when healthy and rejects with the reason otherwise. */
export interface HealthCheck {
  /** The key under which /debug/health reports it (registry:2's names: the file, URI, address, or storagedriver_<name>). */
  name: string;
  intervalMs: number;
  /** Failures in a row before the check reports unhealthy. */
  threshold: number;
  /** A probe still running after this long has failed. */
  timeoutMs: number;
  probe(signal: AbortSignal): Promise<void>;
}

/** A probe failure whose message is shown as is at /debug/health. */
export class CheckFailed extends Error {}
