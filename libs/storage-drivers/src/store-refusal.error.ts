/**
 * The object store answered that the configured settings are wrong for it: credentials it does
 * not accept, an account, container or bucket it does not have. Waiting will not fix that, so
 * the start-up check refuses to start on one (as on S3's configuration errors), while a store
 * that does not answer at all may come back and is only reported.
 */
export class StoreRefusalError extends Error {
  override readonly name = 'StoreRefusalError';
}
