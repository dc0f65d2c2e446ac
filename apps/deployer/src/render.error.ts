/** A subscription that cannot produce a valid request for this event; retrying will not help. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
}
