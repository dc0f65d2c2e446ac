/** The outbound HTTP port of the deployer: one POST, bounded in time, the response summarized. */
export interface WebhookTransport {
  post(request: OutboundRequest, timeoutMs: number): Promise<TransportResult>;
}

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type TransportResult =
  /** The receiver answered (any status). `latencyMs`: until the response headers arrived. */
  | { ok: true; statusCode: number; latencyMs: number; excerpt: string }
  /** No answer: refused, reset, DNS, TLS, or the timeout. */
  | { ok: false; error: string; latencyMs: number; refused?: never }
  /** Never sent: the destination is not allowed (webhooks.allowprivate); retrying cannot help. */
  | { ok: false; error: string; latencyMs: number; refused: true };
