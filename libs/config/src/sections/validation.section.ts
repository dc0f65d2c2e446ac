import { z } from 'zod';
import { bool, choice, list, section, text, textList } from '../config.fields.js';
import type { ValidationConfig } from '../config.types.js';

/** Patterns are checked now so a bad one stops start-up instead of failing a push later. */
const patternList = () =>
  textList().superRefine((patterns, ctx) => {
    patterns.forEach((pattern, index) => {
      try {
        new RegExp(pattern);
      } catch {
        ctx.addIssue({ code: 'custom', path: [index], message: 'not a valid regular expression' });
      }
    });
  });

export const validationSection = section({
  enabled: bool().optional(), // deprecated in favour of disabled
  disabled: bool().default(false),
  manifests: section({
    urls: section({ allow: patternList(), deny: patternList() }),
    indexes: section({
      platforms: choice(['all', 'none', 'list']).default('all'),
      platformlist: list(section({ architecture: text().optional(), os: text().optional() })),
    }),
  }),
});

export function toValidationConfig(raw: z.output<typeof validationSection>): ValidationConfig {
  return {
    // As registry:2: the deprecated `enabled: true` wins, otherwise on unless disabled.
    enabled: raw.enabled === true || !raw.disabled,
    manifests: {
      urls: { allow: raw.manifests.urls.allow, deny: raw.manifests.urls.deny },
      indexes: {
        platforms: raw.manifests.indexes.platforms,
        platformList: raw.manifests.indexes.platformlist.map((p) => ({
          ...(p.architecture === undefined ? {} : { architecture: p.architecture }),
          ...(p.os === undefined ? {} : { os: p.os }),
        })),
      },
    },
  };
}
