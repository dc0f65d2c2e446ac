import { STATUS_CODES } from 'node:http';
import type { NotificationEndpointConfig } from '@wharf/config';
import { EVENTS_MEDIA_TYPE, type EventEnvelope, type RegistryEvent } from '@wharf/events';

export type SendOutcome =
  /** Any 2xx or 3xx final status: accepted, as registry:2 counts it. */
  | { ok: true; status: number; statusText: string; ms: number }
  /** Another status. */
  | { ok: false; status: number; statusText: string; ms: number; error: string }
  /** No response: connection refused, timeout, TLS, DNS. */
  | { ok: false; status: undefined; statusText: undefined; ms: number; error: string };

/**
 * One registry:2 notification request (distribution's httpSink): POST `{"events":[event]}`, indented
 * as Go's json.MarshalIndent(…, "", "   ") writes it, with `Content-Type:
 * application/vnd.docker.distribution.events.v1+json` and the endpoint's headers, within the
 * endpoint's timeout. Redirects are followed as Go's http.Client does; the final status decides.
 */
export class EndpointSender {
  private readonly headers: Headers;

  constructor(private readonly endpoint: NotificationEndpointConfig) {
    this.headers = new Headers({ 'user-agent': 'wharf-notifications/0.1' });
    for (const [name, values] of Object.entries(endpoint.headers)) {
      for (const value of values) this.headers.append(name, value);
    }
    // Go's client.Post sets the content type last, over a configured one.
    this.headers.set('content-type', EVENTS_MEDIA_TYPE);
  }

  /** `signal` cuts the attempt short (shutdown) besides the endpoint's timeout. */
  async send(event: RegistryEvent, signal?: AbortSignal): Promise<SendOutcome> {
    const envelope: EventEnvelope = { events: [event] };
    const started = performance.now();
    try {
      const response = await fetch(this.endpoint.url, {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify(envelope, null, 3),
        redirect: 'follow',
        signal: signal === undefined ? AbortSignal.timeout(this.endpoint.timeoutMs) : AbortSignal.any([AbortSignal.timeout(this.endpoint.timeoutMs), signal]),
      });
      // registry:2 never reads the body; drain it so the connection can be reused.
      await response.body?.cancel().catch(() => undefined);
      const ms = performance.now() - started;
      const statusText = STATUS_CODES[response.status] ?? response.statusText;
      if (response.status >= 200 && response.status < 400) return { ok: true, status: response.status, statusText, ms };
      return { ok: false, status: response.status, statusText, ms, error: `response status ${response.status} ${statusText} unaccepted` };
    } catch (err) {
      const ms = performance.now() - started;
      const error = describeFetchError(err, this.endpoint.timeoutMs);
      return { ok: false, status: undefined, statusText: undefined, ms, error };
    }
  }
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no response within ${timeoutMs} ms`;
  }
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}
