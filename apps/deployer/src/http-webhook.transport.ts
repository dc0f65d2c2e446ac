import { performance } from 'node:perf_hooks';
import type { OutboundRequest, TransportResult, WebhookTransport } from './webhook.transport.js';

/** What the delivery log keeps of a response body. */
const EXCERPT_BYTES = 1024;

/**
 * POSTs with Node's fetch (undici, connections kept alive per origin). Redirects are not followed:
 * a webhook URL that redirects is misconfigured, and following it would re-send the signed body
 * somewhere the subscription never named. Only the first KiB of a response is read.
 */
export class HttpWebhookTransport implements WebhookTransport {
  async post(request: OutboundRequest, timeoutMs: number): Promise<TransportResult> {
    const signal = AbortSignal.timeout(timeoutMs);
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, redirect: 'manual', signal });
    } catch (error) {
      return { ok: false, error: describe(error, timeoutMs), latencyMs: Math.round(performance.now() - started) };
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

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `timed out after ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code !== undefined) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
