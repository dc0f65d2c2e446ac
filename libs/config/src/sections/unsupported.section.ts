import { unsupported } from '../config.fields.js';

/** registry:2 sections Wharf refuses with a clear reason rather than silently ignoring. */

export const proxySection = unsupported('pull-through cache is not supported by Wharf yet');

export const reportingSection = unsupported(
  'error reporting to Bugsnag or New Relic is not supported by Wharf; remove this section',
);
