import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { RegistryError } from '@wharf/registry-core';

/**
 * The request body as a stream, untouched: the registry's content-type parser
 * passes every body through so blobs stream to storage without buffering.
 * Undefined when the request has no body.
 */
export function bodyStream(req: FastifyRequest): Readable | undefined {
  const body = req.body;
  return body instanceof Readable ? body : undefined;
}

/** The body or an empty stream (a zero-byte blob is a valid blob). */
export function bodyOrEmpty(req: FastifyRequest): Readable {
  return bodyStream(req) ?? Readable.from([]);
}

/** Past this many bytes a refused body is not read to its end: the connection is closed instead. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

/**
 * Reads a small body (a manifest) into memory, refusing more than `limit` bytes
 * with 413. A refused body is still read (up to DRAIN_LIMIT) and discarded, so
 * the client, still sending, receives the 413 instead of a connection reset.
 */
export async function readBounded(req: FastifyRequest, limit: number): Promise<Buffer> {
  const stream = bodyStream(req);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    if (stream) await drain(stream, declared <= DRAIN_LIMIT ? DRAIN_LIMIT : 0);
    throw tooLarge(limit);
  }
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > DRAIN_LIMIT) break; // leaving the loop destroys the stream
    if (total <= limit) chunks.push(chunk as Buffer);
  }
  if (total > limit) throw tooLarge(limit);
  return Buffer.concat(chunks, total);
}

async function drain(stream: Readable, budget: number): Promise<void> {
  let left = budget;
  try {
    for await (const chunk of stream) {
      left -= (chunk as Buffer).length;
      if (left < 0) break;
    }
  } catch {
    // The client gave up; there is nobody left to answer.
  }
  if (left < 0) stream.destroy();
}

function tooLarge(limit: number): RegistryError {
  return new RegistryError('MANIFEST_INVALID', `manifest exceeds the ${limit} byte limit`, { status: 413, message: 'manifest too large' });
}
