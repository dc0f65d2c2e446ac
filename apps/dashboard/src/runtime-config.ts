/*
 * What the dashboard's server code needs from the Wharf config, handed over in-process: the role
 * (main.ts) sets it before Next starts, pages read it while rendering. Config stays parsed once, in
 * libs/config; nothing here reads process.env.
 */
export interface DashboardRuntime {
  /** Base URL of the API role, without /api and without a trailing slash. */
  apiUrl: string;
}

const KEY = Symbol.for('wharf.dashboard.runtime');

export function setRuntime(runtime: DashboardRuntime): void {
  (globalThis as Record<symbol, unknown>)[KEY] = runtime;
}

export function getRuntime(): DashboardRuntime {
  const runtime = (globalThis as Record<symbol, unknown>)[KEY] as DashboardRuntime | undefined;
  if (!runtime) throw new Error('the dashboard runs inside `wharf serve --roles dashboard`');
  return runtime;
}
