import { Readable } from 'node:stream';
import {
  BlobSASPermissions,
  BlobServiceClient,
  RestError,
  StorageSharedKeyCredential,
  type BlobClient,
  type BlobItem,
  type ContainerClient,
  type StoragePipelineOptions,
  type UserDelegationKey,
} from '@azure/storage-blob';
import { ClientSecretCredential, DefaultAzureCredential } from '@azure/identity';
import {
  InvalidOffsetError,
  PathNotFoundError,
  StorageDriverError,
  type FileInfo,
  type FileWriter,
  type StorageDriver,
} from '@wharf/registry-core';
import { AzureAppendWriter } from './azure-append.writer.js';
import { ObjectKeys } from './object-keys.js';
import { StoreRefusalError } from './store-refusal.error.js';
import { checkReadRange } from './read-range.js';

/** How the driver signs in: the account key, an Entra ID app's secret, or the SDK's default chain. */
export type AzureCredential =
  | { kind: 'shared-key'; accountName: string; accountKey: string }
  | { kind: 'client-secret'; tenantId: string; clientId: string; secret: string }
  | { kind: 'default' };

export interface AzureSettings {
  container: string;
  rootDirectory: string;
  /** A connection string names the endpoint and the credential at once (it wins over both below). */
  connectionString?: string;
  /** https://<account>.blob.<realm> unless configured. */
  serviceUrl?: string;
  credential?: AzureCredential;
  /**
   * Names per listing request: Azure's maximum (5,000) unless set. Not a configuration key:
   * tests set it small so that a few files already take several pages.
   */
  listPageSize?: number;
}

const LIST_PAGE = 5000;

// A user delegation key may live 7 days; one is asked for per 2 days and renewed with an
// hour to spare, so a SAS of up to that hour never outlives its key.
const DELEGATION_KEY_MS = 48 * 3_600_000;
const DELEGATION_RENEW_MS = 3_600_000;

/**
 * Azure Blob Storage, laid out as registry:2's azure driver lays it out: one blob per file at
 * `<rootdirectory>/docker/registry/v2/...` in one container; small files are block blobs
 * written in one Put Blob (atomic for readers); uploads are append blobs (see
 * AzureAppendWriter); `move` is a server-side copy, then a delete of the source.
 * docker-registry's azure driver reads what this one writes, and the reverse.
 */
export class AzureDriver implements StorageDriver {
  readonly name = 'azure';
  private readonly service: BlobServiceClient;
  private readonly container: ContainerClient;
  private readonly keys: ObjectKeys;
  private delegationKey: { key: UserDelegationKey; renewAt: number } | undefined;
  /** Which store answered, for error messages. */
  private readonly where: { account: string; container: string };
  private readonly listPageSize: number;

  constructor(settings: AzureSettings) {
    this.service = serviceClient(settings);
    this.container = this.service.getContainerClient(settings.container);
    this.keys = new ObjectKeys(settings.rootDirectory);
    this.listPageSize = settings.listPageSize ?? LIST_PAGE;
    // the account's URL names the account; a SAS in a connection string's URL stays out of errors
    const account = new URL(this.service.url);
    account.search = '';
    this.where = { account: account.href.replace(/\/$/, ''), container: settings.container };
  }

  /**
   * One GET for the whole blob: the SDK's parallel ranged download could stitch a torn file
   * from two versions. A body cut short because the blob was replaced meanwhile (the SDK's
   * resume is pinned to the first ETag) is read again, from the new version.
   */
  async getContent(path: string): Promise<Buffer> {
    const blob = this.blob(path);
    for (let attempt = 1; ; attempt++) {
      let body: Readable;
      try {
        // a store that does not answer fails here, after the pipeline's own retries: not read again
        body = (await blob.download(0, undefined, { maxRetryRequests: 0 })).readableStreamBody as Readable;
      } catch (err) {
        throw this.translate(err, path);
      }
      try {
        return await readAll(body);
      } catch (err) {
        if (attempt >= 3) throw this.translate(err, path);
      }
    }
  }

  async putContent(path: string, content: Buffer | string): Promise<void> {
    const blob = this.blob(path);
    const body = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
    try {
      await blob.getBlockBlobClient().upload(body, body.length);
    } catch (err) {
      // Put Blob cannot replace an append blob (an upload's data file): registry:2 deletes it first, too.
      if (!(err instanceof RestError && err.code === 'InvalidBlobType')) throw this.translate(err, path);
      await blob.deleteIfExists();
      await blob.getBlockBlobClient().upload(body, body.length);
    }
  }

  async reader(path: string, offset = 0, end?: number): Promise<Readable> {
    checkReadRange(path, offset, end);
    const blob = this.blob(path);
    const count = end === undefined ? undefined : end - offset + 1;
    if (count === 0) {
      await this.stat(path);
      return Readable.from([]);
    }
    try {
      const response = await blob.download(offset, count);
      return response.readableStreamBody as Readable;
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 416) {
        // a range starting at the end: empty if the blob is exactly that long, else past it
        const size = (await this.stat(path)).size;
        if (offset === size) return Readable.from([]);
        throw new InvalidOffsetError(path, offset);
      }
      throw this.translate(err, path);
    }
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    const blob = this.blob(path);
    const appendBlob = blob.getAppendBlobClient();
    if (append) {
      const props = await blob.getProperties().catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw this.translate(err, path);
      });
      if (props?.blobType === 'AppendBlob') return new AzureAppendWriter(path, appendBlob, { stored: props.contentLength ?? 0, modTime: props.lastModified });
      if (props !== undefined) return this.appendAfterBlockBlob(path, blob, props.lastModified);
    }
    // Create replaces whatever is there with an empty append blob.
    await appendBlob.create().catch((err: unknown) => {
      throw this.translate(err, path);
    });
    return new AzureAppendWriter(path, appendBlob, { stored: 0 });
  }

  async stat(path: string): Promise<FileInfo> {
    if (path !== '/') {
      try {
        const props = await this.blob(path).getProperties();
        return {
          path,
          size: props.contentLength ?? 0,
          modTime: props.lastModified ?? new Date(0),
          isDir: false,
          version: props.etag ?? '',
        };
      } catch (err) {
        if (!isNotFound(err)) throw this.translate(err, path);
      }
    }
    const prefix = this.keys.dir(path);
    try {
      const page = await this.container.listBlobsFlat({ prefix }).byPage({ maxPageSize: 1 }).next();
      const found = !page.done && page.value.segment.blobItems.length > 0;
      if (!found && path !== '/') throw new PathNotFoundError(path);
    } catch (err) {
      throw this.translate(err, path);
    }
    return { path, size: 0, modTime: new Date(0), isDir: true, version: '' };
  }

  async list(path: string): Promise<string[]> {
    const prefix = this.keys.dir(path);
    const children: string[] = [];
    try {
      for await (const page of this.container.listBlobsByHierarchy('/', { prefix }).byPage({ maxPageSize: this.listPageSize })) {
        for (const item of [...(page.segment.blobPrefixes ?? []), ...page.segment.blobItems]) children.push(this.keys.path(item.name));
      }
    } catch (err) {
      throw this.translate(err, path);
    }
    if (children.length === 0 && path !== '/') throw new PathNotFoundError(path);
    return children;
  }

  async move(source: string, dest: string): Promise<void> {
    const from = this.blob(source);
    const to = this.blob(dest);
    try {
      // Same account: the source is authorized by this request's own credential.
      const poller = await to.beginCopyFromURL(from.url, { intervalInMs: 100 });
      await poller.pollUntilDone();
    } catch (err) {
      if (isNotFound(err)) throw new PathNotFoundError(source);
      throw this.translate(err, dest);
    }
    await from.deleteIfExists();
  }

  async delete(path: string): Promise<void> {
    try {
      const deleted = await this.blob(path).deleteIfExists();
      if (deleted.succeeded) return;
      let found = 0;
      for await (const item of this.blobsUnder(this.keys.dir(path))) {
        await this.container.getBlobClient(item.name).deleteIfExists();
        found++;
      }
      if (found === 0) throw new PathNotFoundError(path);
    } catch (err) {
      throw this.translate(err, path);
    }
  }

  /** Every file under `path`, from flat listings (one request per 5,000 names). */
  async *walk(path: string): AsyncIterable<FileInfo> {
    const prefix = this.keys.dir(path);
    try {
      for await (const item of this.blobsUnder(prefix)) {
        yield {
          path: this.keys.path(item.name),
          size: item.properties.contentLength ?? 0,
          modTime: item.properties.lastModified,
          isDir: false,
          version: item.properties.etag,
        };
      }
    } catch (err) {
      throw this.translate(err, path);
    }
  }

  /**
   * A read-only SAS URL for the blob, valid `expiresInMs`: signed with the account key, or
   * with a user delegation key when the driver signs in through Entra ID.
   */
  async redirectURL(path: string, options: { method: 'GET' | 'HEAD'; expiresInMs: number }): Promise<string> {
    const blob = this.blob(path);
    const expiresOn = new Date(Date.now() + options.expiresInMs);
    const startsOn = new Date(Date.now() - 60_000); // tolerates clock skew between us and Azure
    const permissions = BlobSASPermissions.parse('r');
    try {
      if (blob.credential instanceof StorageSharedKeyCredential) {
        return await blob.generateSasUrl({ permissions, startsOn, expiresOn });
      }
      return await blob.generateUserDelegationSasUrl({ permissions, startsOn, expiresOn }, await this.userDelegationKey());
    } catch (err) {
      throw this.translate(err, path);
    }
  }

  private async userDelegationKey(): Promise<UserDelegationKey> {
    const now = Date.now();
    if (this.delegationKey === undefined || now >= this.delegationKey.renewAt) {
      const key = await this.service.getUserDelegationKey(new Date(now - 60_000), new Date(now + DELEGATION_KEY_MS));
      this.delegationKey = { key, renewAt: now + DELEGATION_KEY_MS - DELEGATION_RENEW_MS };
    }
    return this.delegationKey.key;
  }

  /**
   * Appending to a block blob (a file written with putContent): Azure cannot append to one, so
   * its bytes are carried into a fresh append blob. Only small files are block blobs here.
   */
  private async appendAfterBlockBlob(path: string, blob: BlobClient, modTime: Date | undefined): Promise<FileWriter> {
    const tail = await this.getContent(path);
    const appendBlob = blob.getAppendBlobClient();
    await blob.deleteIfExists();
    await appendBlob.create();
    return new AzureAppendWriter(path, appendBlob, { stored: 0, tail, modTime });
  }

  /** Every blob whose name starts with `prefix`, a page of `listPageSize` names per request. */
  private async *blobsUnder(prefix: string): AsyncIterable<BlobItem> {
    for await (const page of this.container.listBlobsFlat({ prefix }).byPage({ maxPageSize: this.listPageSize })) yield* page.segment.blobItems;
  }

  private translate(err: unknown, path: string): Error {
    return translate(err, path, this.where);
  }

  private blob(path: string): BlobClient {
    return this.container.getBlobClient(this.keys.file(path));
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * 5 retries, 100 ms apart at first and doubling: a blip is ridden out, and a store that refuses
 * connections is reported in about 3 s. The SDK's default (3 retries from 4 s) held each
 * request about 30 s, so a client waited a minute or more to hear that storage was down.
 */
const RETRIES: StoragePipelineOptions = { retryOptions: { maxTries: 6, retryDelayInMs: 100, maxRetryDelayInMs: 2_000 } };

function serviceClient(settings: AzureSettings): BlobServiceClient {
  if (settings.connectionString !== undefined) return BlobServiceClient.fromConnectionString(settings.connectionString, RETRIES);
  const credential = settings.credential;
  if (credential === undefined) throw new Error('azure: no credential configured');
  const url = settings.serviceUrl;
  if (url === undefined) throw new Error('azure: no service URL configured');
  switch (credential.kind) {
    case 'shared-key':
      return new BlobServiceClient(url, new StorageSharedKeyCredential(credential.accountName, credential.accountKey), RETRIES);
    case 'client-secret':
      return new BlobServiceClient(url, new ClientSecretCredential(credential.tenantId, credential.clientId, credential.secret), RETRIES);
    case 'default':
      return new BlobServiceClient(url, new DefaultAzureCredential(), RETRIES);
  }
}

/**
 * A missing blob: BlobNotFound, or the bare 404 of a HEAD (which has no body to carry a code).
 * A 404 naming anything else is about the store, not the path: ContainerNotFound, or
 * ResourceNotFound for an account the endpoint does not know.
 */
function isNotFound(err: unknown): boolean {
  return err instanceof RestError && err.statusCode === 404 && (err.code === undefined || err.code === 'BlobNotFound');
}

/** Azure's answers that mean the configured credentials are not accepted for this account. */
const REFUSED = new Set(['AuthenticationFailed', 'AuthorizationFailure', 'AuthorizationPermissionMismatch', 'InvalidAuthenticationInfo', 'NoAuthenticationInformation']);

/**
 * PathNotFoundError for a missing blob; any other failure keeps Azure's own words and says
 * which store answered (the account's URL and the container), so a wrong key, account
 * or container reads clearly in logs, in the start-up check and in the health check.
 */
function translate(err: unknown, path: string, where: { account: string; container: string }): Error {
  if (err instanceof StorageDriverError) return err;
  if (isNotFound(err)) return new PathNotFoundError(path);
  if (err instanceof RestError) {
    const code = err.code ?? `HTTP ${err.statusCode ?? '?'}`;
    const first = (err.message.split('\n')[0] ?? '').trim();
    const said = `${code}${first && first !== code ? `: ${first}` : ''}`;
    if (REFUSED.has(code) || err.statusCode === 401) {
      return new StoreRefusalError(`azure: ${where.account} refused the credentials for container ${where.container}: ${said}`, { cause: err });
    }
    const message = `azure: ${said} (container ${where.container} of ${where.account})`;
    // a 404 that is not a missing blob: the container or the account is not there
    return err.statusCode === 404 ? new StoreRefusalError(message, { cause: err }) : new Error(message, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
