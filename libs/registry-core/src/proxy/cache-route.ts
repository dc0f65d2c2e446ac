import type { Upstream } from './upstream.js';

/** Where a pull of a cached repository goes: the upstream, its name there, and the name it is stored under here. */
export interface CacheRoute {
  upstream: Upstream;
  /** The repository as the upstream names it (`library/busybox`). */
  remoteName: string;
  /** The repository it is cached in (`docker.io/library/busybox`; unprefixed under registry:2's `proxy`). */
  name: string;
}
