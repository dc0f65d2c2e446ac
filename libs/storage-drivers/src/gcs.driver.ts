import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { GoogleAuth, type JWTInput } from 'google-auth-library';
import { ConfigError } from '@wharf/config';
import { Storage, type Bucket, type File, type FileMetadata, type StorageOptions } from '@google-cloud/storage';
import {
  InvalidOffsetError,
  PathNotFoundError,
  StorageDriverError,
  type FileInfo,
  type FileWriter,
  type StorageDriver,
} from '@wharf/registry-core';
import { BLOB_TYPE, GcsSessionWriter, UPLOAD_SESSION_TYPE, type GcsUploadState } from './gcs-session.writer.js';
import { ObjectKeys } from './object-keys.js';
import { StoreRefusalError } from './store-refusal.error.js';
import { checkReadRange } from './read-range.js';

export interface GcsSettings {
  bucket: string;
  rootDirectory: string;
  /** Bytes sent to a resumable session per request: a multiple of 256 KiB. */
  chunkSize: number;
  /** A service account key file; else `credentials`; else Application Default Credentials. */
  keyFile?: string;
  /** A service account key's fields (as in its JSON file). */
  credentials?: Record<string, unknown>;
  /** Another endpoint than Google's (an emulator, a private endpoint); requests to it are not signed. */
  endpoint?: string;
  userAgent?: string;
  /**
   * Objects per listing request: 1,000 (GCS's maximum) unless set. Not a configuration key:
   * tests set it small so that a few files already take several pages.
   */
  listPageSize?: number;
}

const LIST_PAGE = 1000;
const GOOGLE_ENDPOINT = 'https://storage.googleapis.com';
const FULL_CONTROL = 'https://www.googleapis.com/auth/devstorage.full_control';

/**
 * Google Cloud Storage, laid out as registry:2's gcs driver lays it out: one object per file at
 * `<rootdirectory>/docker/registry/v2/...` in one bucket; small files in one upload (atomic
 * for readers); uploads through resumable sessions (see GcsSessionWriter), whose unfinished
 * state is an application/x-docker-upload-session object at the file's path; `move` is a
 * server-side copy (rewrite), then a delete of the source.
 */
export class GcsDriver implements StorageDriver {
  readonly name = 'gcs';
  private readonly bucket: Bucket;
  private readonly keys: ObjectKeys;
  private readonly chunkSize: number;
  private readonly listPageSize: number;
  /** The service account key, else Application Default Credentials. */
  private readonly auth: GoogleAuth;
  private readonly endpoint: string;
  /** Google's own endpoint gets OAuth tokens; an emulator or private endpoint gets none. */
  private readonly signsRequests: boolean;

  constructor(settings: GcsSettings) {
    const key = settings.keyFile !== undefined ? readKeyFile(settings.keyFile) : settings.credentials;
    const keyIn =
      settings.keyFile !== undefined ? { path: 'storage.gcs.keyfile', what: `the key file ${settings.keyFile}` } : { path: 'storage.gcs.credentials', what: 'the credentials' };
    // The library signs V4 URLs only from a key it was given as `credentials` (deprecated for keys
    // from untrusted sources, which an operator's own config is not; it says so once on stderr).
    this.auth = new GoogleAuth({ scopes: [FULL_CONTROL], ...(key !== undefined ? { credentials: serviceAccountKey(key, keyIn) } : {}) });
    this.signsRequests = settings.endpoint === undefined;
    this.endpoint = (settings.endpoint ?? GOOGLE_ENDPOINT).replace(/\/+$/, '');
    const options: StorageOptions = { authClient: this.auth, apiEndpoint: this.endpoint };
    const project = key?.['project_id'];
    if (typeof project === 'string') options.projectId = project;
    if (settings.userAgent !== undefined) options.userAgent = settings.userAgent;
    this.bucket = new Storage(options).bucket(settings.bucket);
    this.keys = new ObjectKeys(settings.rootDirectory);
    this.chunkSize = settings.chunkSize;
    this.listPageSize = settings.listPageSize ?? LIST_PAGE;
  }

  async getContent(path: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.reader(path)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async putContent(path: string, content: Buffer | string): Promise<void> {
    const body = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
    try {
      await this.file(path).save(body, { resumable: false, contentType: BLOB_TYPE, validation: false });
    } catch (err) {
      // an upload finds no object to miss: a 404 is the bucket
      throw isNotFound(err) ? this.noBucket(err) : translate(err, path);
    }
  }

  /**
   * One ranged GET of the object's media, answered by GCS itself: 404 for a missing file, 416
   * for a range that starts at or past its end. (The client library's read stream adds a
   * round trip for metadata and piles listeners onto its stream on long reads.)
   */
  async reader(path: string, offset = 0, end?: number): Promise<Readable> {
    checkReadRange(path, offset, end);
    const name = this.keys.file(path);
    if (end !== undefined && end < offset) {
      await this.fileMetadata(this.file(path), path);
      return Readable.from([]);
    }
    const url = `${this.endpoint}/storage/v1/b/${encodeURIComponent(this.bucket.name)}/o/${encodeURIComponent(name)}?alt=media`;
    const headers = new Headers(this.signsRequests ? await this.auth.getRequestHeaders(url) : undefined);
    if (offset > 0 || end !== undefined) headers.set('Range', `bytes=${offset}-${end ?? ''}`);
    let response: Response;
    try {
      response = await fetch(url, { headers });
    } catch (err) {
      throw translate(err, path);
    }
    if (response.status === 200 || response.status === 206) {
      if (response.headers.get('content-type') === UPLOAD_SESSION_TYPE || response.body === null) {
        await response.body?.cancel();
        throw new PathNotFoundError(path);
      }
      return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    }
    const text = (await response.text().catch(() => '')).slice(0, 300);
    if (response.status === 404) throw new PathNotFoundError(path);
    if (response.status === 416) {
      const size = Number((await this.fileMetadata(this.file(path), path)).size ?? 0);
      if (offset === size) return Readable.from([]);
      throw new InvalidOffsetError(path, offset);
    }
    throw new Error(`gcs: GET ${name} answered ${response.status}${text ? `: ${text}` : ''}`);
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    const file = this.file(path);
    if (!append) return new GcsSessionWriter(path, file, { offset: 0 }, this.chunkSize);
    let metadata: FileMetadata;
    try {
      [metadata] = await file.getMetadata();
    } catch (err) {
      if (isNotFound(err)) return new GcsSessionWriter(path, file, { offset: 0 }, this.chunkSize);
      throw translate(err, path);
    }
    const modTime = metadata.updated === undefined ? undefined : new Date(metadata.updated);
    // A finished file (or one registry:2 left without a session) continues in a new session
    // that starts with its bytes.
    const state: GcsUploadState = { offset: 0, tail: (await file.download({ validation: false }))[0] };
    if (modTime) state.modTime = modTime;
    if (metadata.contentType === UPLOAD_SESSION_TYPE) {
      const kept = metadata.metadata ?? {};
      state.offset = Number(kept['Offset'] ?? 0);
      const session = kept['Session-URI'];
      if (typeof session === 'string' && session !== '') state.sessionUri = session;
    }
    return new GcsSessionWriter(path, file, state, this.chunkSize);
  }

  async stat(path: string): Promise<FileInfo> {
    if (path !== '/') {
      try {
        const [metadata] = await this.file(path).getMetadata();
        return fileInfo(path, metadata);
      } catch (err) {
        if (!isNotFound(err)) throw translate(err, path);
      }
    }
    try {
      const [files] = await this.bucket.getFiles({ prefix: this.keys.dir(path), maxResults: 1, autoPaginate: false });
      if (files.length === 0 && path !== '/') throw new PathNotFoundError(path);
    } catch (err) {
      throw this.listingFailure(err, path);
    }
    return { path, size: 0, modTime: new Date(0), isDir: true, version: '' };
  }

  async list(path: string): Promise<string[]> {
    const children: string[] = [];
    let pageToken: string | undefined;
    try {
      do {
        const [files, next, response] = await this.bucket.getFiles({
          prefix: this.keys.dir(path),
          delimiter: '/',
          autoPaginate: false,
          maxResults: this.listPageSize,
          ...(pageToken ? { pageToken } : {}),
        });
        for (const file of files) children.push(this.keys.path(file.name));
        const prefixes = (response as { prefixes?: string[] } | undefined)?.prefixes ?? [];
        for (const prefix of prefixes) children.push(this.keys.path(prefix));
        pageToken = (next as { pageToken?: string } | null)?.pageToken;
      } while (pageToken);
    } catch (err) {
      throw this.listingFailure(err, path);
    }
    if (children.length === 0 && path !== '/') throw new PathNotFoundError(path);
    return children;
  }

  async *walk(path: string): AsyncIterable<FileInfo> {
    let pageToken: string | undefined;
    do {
      let files: File[];
      try {
        const [page, next] = await this.bucket.getFiles({
          prefix: this.keys.dir(path),
          autoPaginate: false,
          maxResults: this.listPageSize,
          ...(pageToken ? { pageToken } : {}),
        });
        files = page;
        pageToken = (next as { pageToken?: string } | null)?.pageToken;
      } catch (err) {
        throw this.listingFailure(err, path);
      }
      for (const file of files) yield fileInfo(this.keys.path(file.name), file.metadata);
    } while (pageToken);
  }

  async move(source: string, dest: string): Promise<void> {
    const from = this.file(source);
    const to = this.file(dest);
    try {
      await from.copy(to);
    } catch (err) {
      if (isNotFound(err)) throw new PathNotFoundError(source);
      throw translate(err, dest);
    }
    await from.delete({ ignoreNotFound: true });
  }

  async delete(path: string): Promise<void> {
    const file = this.file(path);
    let found = 0;
    try {
      const [deleted] = await file.delete({ ignoreNotFound: true });
      // a file is never also a directory in the layout: no listing after it is gone
      if (deleted && (deleted as { statusCode?: number }).statusCode !== 404) return;
      for await (const info of this.walk(path)) {
        await this.bucket.file(this.keys.file(info.path)).delete({ ignoreNotFound: true });
        found++;
      }
    } catch (err) {
      throw translate(err, path);
    }
    if (found === 0) throw new PathNotFoundError(path);
  }

  /**
   * A V4 signed URL for GET. HEAD is answered by the registry itself (it moves no bytes, and the
   * client library signs only GET for reads); a HEAD signed as GET would be refused by GCS.
   */
  async redirectURL(path: string, options: { method: 'GET' | 'HEAD'; expiresInMs: number }): Promise<string | undefined> {
    if (options.method !== 'GET') return undefined;
    try {
      const [url] = await this.file(path).getSignedUrl({ version: 'v4', action: 'read', expires: Date.now() + options.expiresInMs });
      return url;
    } catch (err) {
      throw translate(err, path);
    }
  }

  /** Metadata of a finished file; an unfinished upload is not a readable file (as in registry:2). */
  private async fileMetadata(file: File, path: string): Promise<FileMetadata> {
    let metadata: FileMetadata;
    try {
      [metadata] = await file.getMetadata();
    } catch (err) {
      throw translate(err, path);
    }
    if (metadata.contentType === UPLOAD_SESSION_TYPE) throw new PathNotFoundError(path);
    return metadata;
  }

  /** Listing a prefix never finds "no such object": a 404 there is the bucket itself missing. */
  private listingFailure(err: unknown, path: string): Error {
    if (err instanceof StorageDriverError) return err;
    if (isNotFound(err)) return this.noBucket(err);
    return translate(err, path);
  }

  private noBucket(cause: unknown): StoreRefusalError {
    return new StoreRefusalError(`gcs: bucket ${this.bucket.name} does not exist`, { cause });
  }

  private file(path: string): File {
    return this.bucket.file(this.keys.file(path));
  }
}

/**
 * registry:2 takes only service account keys (keyfile or credentials); so does Wharf. The key
 * signs its own OAuth tokens and V4 URLs, with no call to any metadata server.
 */
function serviceAccountKey(key: Record<string, unknown>, keyIn: { path: string; what: string }): JWTInput {
  if (key['type'] !== 'service_account' || typeof key['client_email'] !== 'string' || typeof key['private_key'] !== 'string') {
    throw new ConfigError([{ path: keyIn.path, message: `${keyIn.what} is not a service account key (type service_account, client_email, private_key)` }]);
  }
  return key as JWTInput;
}

/** A key file that cannot be read is a configuration error, named at start-up like any other. */
function readKeyFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([{ path: 'storage.gcs.keyfile', message: `cannot read the key file ${path}: ${(err as Error).message}` }]);
  }
  return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
}

/** An unfinished upload's size counts what its session holds and the tail kept aside. */
function fileInfo(path: string, metadata: FileMetadata): FileInfo {
  let size = Number(metadata.size ?? 0);
  if (metadata.contentType === UPLOAD_SESSION_TYPE) size += Number(metadata.metadata?.['Offset'] ?? 0);
  return {
    path,
    size,
    modTime: new Date(metadata.updated ?? 0),
    isDir: false,
    version: `${metadata.generation ?? ''}.${metadata.metageneration ?? ''}`,
  };
}

function isNotFound(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 404;
}

/**
 * PathNotFoundError for a missing object; any other failure keeps GCS's own words, and 401 or
 * 403 (a key GCS does not accept, or one without access to the bucket) is a refusal.
 */
function translate(err: unknown, path: string): Error {
  if (err instanceof StorageDriverError) return err;
  if (isNotFound(err)) return new PathNotFoundError(path);
  const code = (err as { code?: unknown } | null)?.code;
  const message = `gcs: ${code !== undefined ? `${String(code)}: ` : ''}${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`;
  return code === 401 || code === 403 ? new StoreRefusalError(message, { cause: err }) : new Error(message, { cause: err });
}
