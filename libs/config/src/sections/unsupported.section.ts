import { unsupported } from '../config.fields.js';

/** registry:2 sections Wharf refuses with a clear reason rather than silently ignoring. */

export const reportingSection = unsupported(
  'Bugsnag and New Relic error reporting is gone (registry:2 3.x removed it too) and Wharf has none; remove this section',
);
