import { bool, int, section, textList, unsupported as refusedWhenSet } from '../config.fields.js';
import { envHints } from '../env-hints.js';

/*
 * Smaller registry:2 sections: listing limits, schema1 compatibility and the repository policy.
 * Their typed form is built in config.schema.ts.
 */

const DEFAULT_LIMIT = 1000;

/** registry:2: zero or negative maxentries means the default. */
export const catalogSection = section({ maxentries: int().default(0) });

/** registry:2: zero means the default, negative is an error. */
export const tagsSection = section({ maxtags: int({ min: 0 }).default(0) });

/**
 * Wharf neither accepts nor serves schema1 manifests, which is what `enabled: false` (the default)
 * asks of registry:2; asking for schema1 is refused by name.
 */
export const compatibilitySection = section({
  schema1: section({
    signingkeyfile: refusedWhenSet('Wharf never signs schema1 manifests (schema1 is not accepted or served); remove it'),
    enabled: bool()
      .default(false)
      .refine((enabled) => !enabled, { message: 'schema1 manifests are not accepted or served by Wharf (deprecated by registry:2); remove it or set false' }),
  }).register(envHints, { aliases: { TRUSTKEY: 'signingkeyfile' } }),
});

export const policySection = section({
  repository: section({ classes: textList() }),
});

export function listingLimit(value: number): number {
  return value > 0 ? value : DEFAULT_LIMIT;
}
