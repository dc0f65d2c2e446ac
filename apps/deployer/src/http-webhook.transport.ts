import type { LookupAddress, LookupOptions } from 'node:dns';
import { performance } from 'node:perf_hooks';
import { checkedAddresses, checkedLiteral, ForbiddenDestinationError, type HostLookup } from '@wharf/db';
import { Agent, fetch, type Response } from 'undici';
import type { OutboundRequest, TransportResult, WebhookTransport } from './webhook.transport.js';

/** What the delivery log keeps of a response body. */
const EXCERPT_BYTES = 1024;

export interface HttpWebhookTransportOptions {
  /** `webhooks.allowprivate`: loopback, link-local and private destinations are allowed. */
  allowPrivate: boolean;
  /** Name resolution (tests give names their own answers); default the system's. */
  lookup?: HostLookup;
}

/**
 * POSTs with undici's fetch (connections kept alive per origin). Redirects are not followed:
 * a webhook URL that redirects is misconfigured, and following it would re-send the signed body
 * somewhere the subscription never named. Only the first KiB of a response is read.
 *
 * Unless `allowPrivate`, every new connection resolves the host itself, refuses it when any of its
 * addresses is not public (see webhook-destination.ts), and connects to the addresses it checked;
 * an IP literal is checked before the request. A refusal is an answerless attempt marked
 * `refused`, which the processor logs and does not retry.
 */
export class HttpWebhookTransport implements WebhookTransport {
  private readonly dispatcher: Agent;

  constructor(private readonly options: HttpWebhookTransportOptions) {
    const lookup = options.lookup;
    this.dispatcher = options.allowPrivate ? new Agent() : new Agent({ connect: { lookup: guardedLookup(lookup) } });
  }

  async post(request: OutboundRequest, timeoutMs: number): Promise<TransportResult> {
    const signal = AbortSignal.timeout(timeoutMs);
    const started = performance.now();
    let response: Response;
    try {
      // net.connect skips the lookup for an IP literal: judge it here
      if (!this.options.allowPrivate) checkedLiteral(new URL(request.url).hostname);
      response = await fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal,
        dispatcher: this.dispatcher,
      });
    } catch (error) {
      const latencyMs = Math.round(performance.now() - started);
      const refused = refusal(error);
      if (refused !== undefined) return { ok: false, error: `refused: ${refused.message}`, latencyMs, refused: true };
      return { ok: false, error: describe(error, timeoutMs), latencyMs };
    }
    const latencyMs = Math.round(performance.now() - started);
    const excerpt = await readExcerpt(response);
    return { ok: true, statusCode: response.status, latencyMs, excerpt };
  }
}

async function readExcerpt(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // a body cut short (or the timeout firing while reading) still leaves what arrived
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES);
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

/** A `lookup` for net/tls.connect that hands out only addresses checkedAddresses allowed. */
function guardedLookup(lookup: HostLookup | undefined) {
  return (hostname: string, options: LookupOptions, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void): void => {
    checkedAddresses(hostname, lookup).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        if (wanted.length === 0) {
          callback(Object.assign(new Error(`${hostname} has no IPv${String(options.family)} address`), { code: 'ENOTFOUND' }), []);
        } else if (options.all) {
          callback(null, wanted);
        } else {
          callback(null, wanted[0]!.address, wanted[0]!.family);
        }
      },
      (error: Error) => callback(error, []),
    );
  };
}

function refusal(error: unknown): ForbiddenDestinationError | undefined {
  if (error instanceof ForbiddenDestinationError) return error;
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof ForbiddenDestinationError ? cause : undefined;
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `timed out after ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code !== undefined) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
