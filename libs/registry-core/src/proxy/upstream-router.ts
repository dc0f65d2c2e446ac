import { RegistryError } from '../errors/registry-error.js';
import type { CacheRoute } from './cache-route.js';
import type { Upstream } from './upstream.js';

/** Docker's `--registry-mirror` only ever mirrors Docker Hub, and sends its names without a host. */
export const DOCKER_HUB = 'docker.io';

/**
 * Which upstream, if any, a request is for. registry:2's `proxy`: every repository is a cache of
 * the one upstream. Wharf's `mirrors`: a repository is cached under its upstream's host, reached
 * three ways without renaming images:
 *   - containerd mirrors send `?ns=<host>` with the upstream's own name;
 *   - any client can put the host in front: `/v2/ghcr.io/org/app/...`;
 *   - Docker's `--registry-mirror` sends Docker Hub names bare: a name Wharf does not host itself
 *     goes to the docker.io upstream (pulls only: a push of a new bare name creates a hosted repository).
 */
export class UpstreamRouter {
  constructor(
    private readonly mode: 'proxy' | 'mirrors',
    /** By host; under `proxy` the one upstream is keyed ''. */
    private readonly upstreams: ReadonlyMap<string, Upstream>,
    /** Whether Wharf hosts a repository of this name itself (it has manifests and is no cache). */
    private readonly hosted: (name: string) => Promise<boolean>,
  ) {}

  get enabled(): boolean {
    return this.upstreams.size > 0;
  }

  /** The cache a pull goes to; undefined for a repository Wharf hosts. */
  async forPull(name: string, ns: string | undefined): Promise<CacheRoute | undefined> {
    const route = this.explicit(name, ns);
    if (route !== undefined || this.mode === 'proxy') return route;
    const hub = this.upstreams.get(DOCKER_HUB);
    if (hub === undefined || ns !== undefined || (await this.hosted(name))) return undefined;
    return { upstream: hub, remoteName: name, name: `${DOCKER_HUB}/${name}` };
  }

  /** Refuses a write (push, delete, mount) to a cached repository as registry:2's proxy does. */
  assertWritable(name: string, ns: string | undefined): void {
    if (this.explicit(name, ns) === undefined) return;
    throw new RegistryError('UNSUPPORTED', { name }, { message: 'The operation is unsupported: this repository is a pull-through cache.' });
  }

  private explicit(name: string, ns: string | undefined): CacheRoute | undefined {
    if (!this.enabled) return undefined;
    if (this.mode === 'proxy') return { upstream: this.upstreams.get('')!, remoteName: name, name };
    if (ns !== undefined && ns !== '') {
      const upstream = this.upstreams.get(ns.toLowerCase());
      if (upstream === undefined) throw new RegistryError('NAME_UNKNOWN', { ns }, { message: `no upstream is configured for ${ns.slice(0, 100)}` });
      return { upstream, remoteName: name, name: `${ns.toLowerCase()}/${name}` };
    }
    const slash = name.indexOf('/');
    if (slash === -1) return undefined;
    const upstream = this.upstreams.get(name.slice(0, slash));
    return upstream === undefined ? undefined : { upstream, remoteName: name.slice(slash + 1), name };
  }
}
