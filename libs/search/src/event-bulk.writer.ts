import type { Client, estypes } from '@elastic/elasticsearch';
import { eventTime, type EventDocument } from './event-document.js';
import { eventIndexFor } from './event-index.js';
import { isTransientSearchError, SearchError } from './search.error.js';

/** The fate of one document in a bulk request, in request order. */
export type BulkItemOutcome =
  | { readonly ok: true }
  /** permanent: the document can never be indexed as it is (a mapping error, 400); else retry later. */
  | { readonly ok: false; readonly permanent: boolean; readonly reason: string };

/**
 * Writes event documents with one `_bulk` request: an `index` op per document, `_id` = event id, in
 * the month index of the event's own timestamp, so writing the same event again overwrites it.
 * Throws SearchError('SEARCH_UNAVAILABLE') when the request as a whole failed for a reason that
 * passes (no connection, timeout, 429/5xx); rethrows anything else.
 */
export class EventBulkWriter {
  constructor(
    private readonly client: Client,
    private readonly prefix: string,
  ) {}

  async write(docs: readonly EventDocument[]): Promise<BulkItemOutcome[]> {
    if (docs.length === 0) return [];
    const operations: (estypes.BulkOperationContainer | EventDocument)[] = [];
    for (const doc of docs) {
      operations.push({ index: { _index: eventIndexFor(this.prefix, eventTime(doc)), _id: doc.id } }, doc);
    }
    let response: estypes.BulkResponse;
    try {
      // the response of a successful bulk repeats every item; only failures are worth parsing
      response = await this.client.bulk({ operations, filter_path: ['errors', 'items.*.status', 'items.*.error'] });
    } catch (err) {
      if (isTransientSearchError(err)) {
        throw new SearchError('SEARCH_UNAVAILABLE', `bulk request failed: ${(err as Error).message}`, { cause: err });
      }
      throw err;
    }
    if (!response.errors) return docs.map(() => ({ ok: true }));
    const items = response.items ?? [];
    return docs.map((_, i) => outcomeOf(items[i]));
  }
}

function outcomeOf(item: Partial<Record<estypes.BulkOperationType, estypes.BulkResponseItem>> | undefined): BulkItemOutcome {
  const result = item?.index;
  // filter_path drops nothing for failures, so a missing item means a truncated answer: retry it
  if (result === undefined) return { ok: false, permanent: false, reason: 'no result for this document in the bulk response' };
  if (result.status >= 200 && result.status < 300 && result.error === undefined) return { ok: true };
  const reason = result.error ? `${result.error.type}: ${result.error.reason ?? ''}` : `status ${result.status}`;
  // A 400 (mapper_parsing_exception, document_parsing_exception, illegal_argument_exception) fails
  // the same way every time. Everything else — 429 rejections, a read-only block after a full disk,
  // a shard not yet allocated — passes once the cluster recovers.
  return { ok: false, permanent: result.status === 400, reason: `${reason} (status ${result.status})` };
}
