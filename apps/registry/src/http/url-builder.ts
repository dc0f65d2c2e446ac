import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { REGISTRY_SETTINGS } from '../registry.tokens.js';
import type { RegistrySettings } from '../registry-settings.js';

/**
 * Location headers. Absolute by default, like registry:2: from `http.host`, else
 * from the request (honouring X-Forwarded-Proto/Host from a proxy); relative with
 * `http.relativeurls`. The `http.prefix` is always part of the path.
 */
@Injectable()
export class UrlBuilder {
  private readonly prefix: string;

  constructor(@Inject(REGISTRY_SETTINGS) private readonly settings: RegistrySettings) {
    this.prefix = settings.http.prefix;
  }

  upload(req: FastifyRequest, name: string, id: string): string {
    return this.absolute(req, `v2/${name}/blobs/uploads/${id}`);
  }

  blob(req: FastifyRequest, name: string, digest: string): string {
    return this.absolute(req, `v2/${name}/blobs/${digest}`);
  }

  manifest(req: FastifyRequest, name: string, reference: string): string {
    return this.absolute(req, `v2/${name}/manifests/${reference}`);
  }

  /** A path+query for the `Link` header of paginated lists (relative, as the spec shows). */
  link(path: string, query: Record<string, string>): string {
    return `<${this.prefix}${path}?${new URLSearchParams(query).toString()}>; rel="next"`;
  }

  /** The absolute base of API URLs (always absolute: events carry it even with relativeurls). */
  absoluteBase(req: FastifyRequest): string {
    if (this.settings.http.host) return `${this.settings.http.host.replace(/\/+$/, '')}${this.prefix}`;
    const proto = firstHeader(req.headers['x-forwarded-proto']) ?? req.protocol;
    // req.host is Host, or :authority on HTTP/2, which has no Host header.
    const host = firstHeader(req.headers['x-forwarded-host']) ?? (req.host || 'localhost');
    return `${proto}://${host}${this.prefix}`;
  }

  private absolute(req: FastifyRequest, path: string): string {
    if (this.settings.http.relativeUrls) return `${this.prefix}${path}`;
    return `${this.absoluteBase(req)}${path}`;
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.split(',', 1)[0]?.trim() || undefined;
}
