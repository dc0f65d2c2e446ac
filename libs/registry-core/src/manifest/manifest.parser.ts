import { RegistryError } from '../errors/registry-error.js';
import { parseDigest } from '../digest.js';
import {
  bareMediaType,
  IMAGE_MEDIA_TYPES,
  INDEX_MEDIA_TYPES,
  DOCKER_FOREIGN_LAYER,
  OCI_URL_LAYERS,
  MediaTypes,
  SCHEMA1_MEDIA_TYPES,
} from '../media-types.js';
import type { Descriptor } from './descriptor.js';
import { jsonStructureProblem } from './json-structure.js';

/** Real manifests nest 4 or 5 levels; artifacts with structured annotations stay far below this. */
const MAX_MANIFEST_DEPTH = 64;

/** What the registry needs to know about a manifest to store, check and index it. */
export interface ParsedManifest {
  mediaType: string;
  /** Blobs that must already be in the repository (config and layers not fetched from URLs). */
  blobs: Descriptor[];
  /** An image's config descriptor (absent for indexes). */
  config?: Descriptor;
  /** Layers whose `urls` the registry checks against validation.manifests.urls (see url-policy.ts). */
  urlLayers: { where: string; descriptor: Descriptor }[];
  /** Child manifests of an index that must already be in the repository. */
  manifests: Descriptor[];
  subject?: Descriptor;
  /** The referrers API's artifactType: the manifest's own, else an image's config media type. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

type Json = Record<string, unknown>;

/**
 * Validates a pushed manifest. The media type comes from the body's `mediaType`
 * and the request's Content-Type; when both are present they must agree.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  const doc = parseJsonObject(bytes);
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  if (doc.mediaType !== undefined && declared === undefined) invalid('mediaType must be a string');
  const header = bareMediaType(contentType);
  const headerType = header === '' || header === 'application/json' || header === 'application/octet-stream' ? undefined : header;
  if (declared !== undefined && headerType !== undefined && declared !== headerType) {
    invalid(`mediaType ${declared} does not match Content-Type ${headerType}`);
  }
  const mediaType = declared ?? headerType ?? inferMediaType(doc);

  if (SCHEMA1_MEDIA_TYPES.has(mediaType)) invalid('schema1 manifests are deprecated and not accepted; push schema 2 or OCI');
  if (IMAGE_MEDIA_TYPES.has(mediaType)) return parseImage(doc, mediaType);
  if (INDEX_MEDIA_TYPES.has(mediaType)) return parseIndex(doc, mediaType);
  return invalid(`unsupported manifest media type: ${mediaType}`);
}

/**
 * The media type of a stored manifest, for serving it. Never throws: a manifest
 * written by another registry is served as it is.
 */
export function storedManifestMediaType(bytes: Buffer): string {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as unknown;
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return MediaTypes.OciManifest;
    const json = doc as Json;
    if (typeof json.mediaType === 'string') return json.mediaType;
    if (json.schemaVersion === 1) return 'signatures' in json ? MediaTypes.DockerSchema1Signed : MediaTypes.DockerSchema1;
    return inferMediaType(json);
  } catch {
    return MediaTypes.OciManifest;
  }
}

function inferMediaType(doc: Json): string {
  if (doc.schemaVersion === 1) return MediaTypes.DockerSchema1;
  if (Array.isArray(doc.manifests)) return MediaTypes.OciIndex;
  if (doc.config !== undefined) return MediaTypes.OciManifest;
  return invalid('cannot tell the manifest type: set mediaType');
}

function parseImage(doc: Json, mediaType: string): ParsedManifest {
  requireSchemaVersion2(doc);
  const config = parseDescriptor(doc.config, 'config');
  if (!Array.isArray(doc.layers)) invalid('layers must be an array');
  const layers = (doc.layers as unknown[]).map((layer, i) => parseDescriptor(layer, `layers[${i}]`));
  const subject = doc.subject === undefined ? undefined : parseDescriptor(doc.subject, 'subject');
  const artifactType = optionalString(doc.artifactType, 'artifactType');
  // As registry:2: a foreign layer is always fetched from its URLs (so it must have some); the OCI
  // layer types are when they carry URLs; every other layer is in the registry.
  const urlLayers: ParsedManifest['urlLayers'] = [];
  const blobs = [config];
  layers.forEach((layer, i) => {
    const where = `layers[${i}]`;
    if (layer.mediaType === DOCKER_FOREIGN_LAYER) {
      if (!layer.urls?.length) invalid(`${where} is a foreign layer without urls`);
      urlLayers.push({ where, descriptor: layer });
    } else if (OCI_URL_LAYERS.has(layer.mediaType) && layer.urls?.length) {
      urlLayers.push({ where, descriptor: layer });
    } else {
      blobs.push(layer);
    }
  });
  return {
    mediaType,
    config,
    blobs,
    urlLayers,
    manifests: [],
    subject,
    artifactType: artifactType ?? config.mediaType,
    annotations: optionalAnnotations(doc.annotations),
  };
}

function parseIndex(doc: Json, mediaType: string): ParsedManifest {
  requireSchemaVersion2(doc);
  if (!Array.isArray(doc.manifests)) invalid('manifests must be an array');
  const manifests = (doc.manifests as unknown[]).map((child, i) => parseDescriptor(child, `manifests[${i}]`));
  const subject = doc.subject === undefined ? undefined : parseDescriptor(doc.subject, 'subject');
  return {
    mediaType,
    blobs: [],
    urlLayers: [],
    manifests,
    subject,
    artifactType: optionalString(doc.artifactType, 'artifactType'),
    annotations: optionalAnnotations(doc.annotations),
  };
}

function parseDescriptor(value: unknown, where: string): Descriptor {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(`${where} must be a descriptor object`);
  const d = value as Json;
  if (typeof d.mediaType !== 'string' || d.mediaType === '') invalid(`${where}.mediaType is required`);
  if (typeof d.digest !== 'string') invalid(`${where}.digest is required`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) invalid(`${where}.size must be a non-negative integer`);
  try {
    parseDigest(d.digest as string);
  } catch {
    invalid(`${where}.digest is not a valid digest`);
  }
  if (d.urls !== undefined && (!Array.isArray(d.urls) || d.urls.some((u) => typeof u !== 'string'))) {
    invalid(`${where}.urls must be a list of strings`);
  }
  return d as unknown as Descriptor;
}

function requireSchemaVersion2(doc: Json): void {
  if (doc.schemaVersion !== 2) invalid('schemaVersion must be 2');
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') invalid(`${where} must be a string`);
  return value as string;
}

function optionalAnnotations(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid('annotations must be an object');
  // image-spec: annotation values MUST be strings.
  for (const [key, item] of Object.entries(value as Json)) {
    if (typeof item !== 'string') invalid(`annotations.${key.length > 64 ? `${key.slice(0, 64)}…` : key} must be a string`);
  }
  return value as Record<string, string>;
}

function parseJsonObject(bytes: Buffer): Json {
  let doc: unknown;
  const text = bytes.toString('utf8');
  const problem = jsonStructureProblem(text, MAX_MANIFEST_DEPTH);
  if (problem !== undefined) invalid(problem);
  try {
    doc = JSON.parse(text);
  } catch (err) {
    // RangeError from absurd nesting lands here too: a JSON bomb is just invalid input.
    invalid(`not valid JSON: ${err instanceof Error ? err.message.slice(0, 120) : 'parse error'}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) invalid('a manifest must be a JSON object');
  return doc as Json;
}

function invalid(detail: string): never {
  throw new RegistryError('MANIFEST_INVALID', detail);
}

/**
 * Descriptors a stored manifest references (config and layers, or an index's
 * children), read tolerantly for event payloads; empty when unreadable.
 */
export function storedManifestReferences(bytes: Buffer): Descriptor[] {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
    const all = [...(doc.config ? [doc.config] : []), ...(doc.layers ?? []), ...(doc.manifests ?? [])];
    return all.filter((d) => d && typeof d.digest === 'string' && typeof d.mediaType === 'string');
  } catch {
    return [];
  }
}
