import { RegistryError } from '../errors/registry-error.js';
import type { ParsedManifest } from './manifest.parser.js';

const CONFIG_CLASSES: Record<string, string> = {
  'application/vnd.docker.container.image.v1+json': 'image',
  'application/vnd.docker.plugin.v1+json': 'plugin',
  'application/vnd.oci.image.config.v1+json': 'image',
};

/**
 * policy.repository.classes as registry:2 applies it: with a list, an image manifest's class comes
 * from its config media type (image or plugin) and must be listed; an image whose config names no
 * class is refused; indexes have no class and pass. Refusals are DENIED, as registry:2 answers.
 */
export function assertManifestClassAllowed(parsed: ParsedManifest, allowed: readonly string[]): void {
  if (allowed.length === 0 || parsed.config === undefined) return;
  const manifestClass = CONFIG_CLASSES[parsed.config.mediaType];
  if (manifestClass === undefined) {
    throw new RegistryError('DENIED', undefined, { message: `unknown manifest class for ${parsed.config.mediaType.slice(0, 200)}` });
  }
  if (!allowed.includes(manifestClass)) {
    throw new RegistryError('DENIED', undefined, { message: `registry does not allow ${manifestClass} manifest` });
  }
}
