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

/** Reads a small body (a manifest) into memory, refusing more than `limit` bytes with 413. */
export async function readBounded(req: FastifyRequest, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const stream = bodyStream(req);
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > limit) {
      stream.destroy();
      throw tooLarge(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(limit: number): RegistryError {
  return new RegistryError('MANIFEST_INVALID', `manifest exceeds the ${limit} byte limit`, { status: 413, message: 'manifest too large' });
}
