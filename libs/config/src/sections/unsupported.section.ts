import { unsupported } from '../config.fields.js';
import { isRawMap } from '../raw-value.js';

/** registry:2 sections Wharf refuses with a clear reason rather than silently ignoring. */

export const middlewareSection = unsupported((value) => {
  // Name what was configured (e.g. "storage: cloudfront") so the user knows what they lose.
  const found = isRawMap(value)
    ? Object.entries(value).map(([point, entries]) => {
        const names = Array.isArray(entries)
          ? entries.map((entry) => (isRawMap(entry) && typeof entry['name'] === 'string' ? entry['name'] : '?'))
          : [];
        return names.length > 0 ? `${point}: ${names.join(', ')}` : point;
      })
    : [];
  const detail = found.length > 0 ? ` (found ${found.join('; ')})` : '';
  return `registry, repository and storage middleware is not supported by Wharf${detail}`;
});

export const reportingSection = unsupported(
  'Bugsnag and New Relic error reporting is gone (registry:2 3.x removed it too) and Wharf has none; remove this section',
);
