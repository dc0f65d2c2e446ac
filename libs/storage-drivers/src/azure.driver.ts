import { Readable } from 'node:stream';
import {
  BlobSASPermissions,
  BlobServiceClient,
  RestError,
  StorageSharedKeyCredential,
  type BlobClient,
  type ContainerClient,
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
}

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

  constructor(settings: AzureSettings) {
    this.service = serviceClient(settings);
    this.container = this.service.getContainerClient(settings.container);
    this.keys = new ObjectKeys(settings.rootDirectory);
  }

  /**
   * One GET for the whole blob: the SDK's parallel ranged download could stitch a torn file
   * from two versions. A body cut short because the blob was replaced meanwhile (the SDK's
   * resume is pinned to the first ETag) is read again, from the new version.
   */
  async getContent(path: string): Promise<Buffer> {
    const blob = this.blob(path);
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await blob.download(0, undefined, { maxRetryRequests: 0 });
        return await readAll(response.readableStreamBody as Readable);
      } catch (err) {
        if (isNotFound(err) || attempt >= 3) throw translate(err, path);
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
      if (!(err instanceof RestError && err.code === 'InvalidBlobType')) throw translate(err, path);
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
      throw translate(err, path);
    }
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    const blob = this.blob(path);
    const appendBlob = blob.getAppendBlobClient();
    if (append) {
      const props = await blob.getProperties().catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw translate(err, path);
      });
      if (props?.blobType === 'AppendBlob') return new AzureAppendWriter(path, appendBlob, { stored: props.contentLength ?? 0, modTime: props.lastModified });
      if (props !== undefined) return this.appendAfterBlockBlob(path, blob, props.lastModified);
    }
    // Create replaces whatever is there with an empty append blob.
    await appendBlob.create().catch((err: unknown) => {
      throw translate(err, path);
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
        if (!isNotFound(err)) throw translate(err, path);
      }
    }
    const prefix = this.keys.dir(path);
    try {
      const page = await this.container.listBlobsFlat({ prefix }).byPage({ maxPageSize: 1 }).next();
      const found = !page.done && page.value.segment.blobItems.length > 0;
      if (!found && path !== '/') throw new PathNotFoundError(path);
    } catch (err) {
      throw translate(err, path);
    }
    return { path, size: 0, modTime: new Date(0), isDir: true, version: '' };
  }

  async list(path: string): Promise<string[]> {
    const prefix = this.keys.dir(path);
    const children: string[] = [];
    try {
      for await (const item of this.container.listBlobsByHierarchy('/', { prefix })) {
        children.push(this.keys.path(item.name));
      }
    } catch (err) {
      throw translate(err, path);
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
      throw translate(err, dest);
    }
    await from.deleteIfExists();
  }

  async delete(path: string): Promise<void> {
    try {
      const deleted = await this.blob(path).deleteIfExists();
      if (deleted.succeeded) return;
      let found = 0;
      for await (const item of this.container.listBlobsFlat({ prefix: this.keys.dir(path) })) {
        await this.container.getBlobClient(item.name).deleteIfExists();
        found++;
      }
      if (found === 0) throw new PathNotFoundError(path);
    } catch (err) {
      throw translate(err, path);
    }
  }

  /** Every file under `path`, from flat listings (one request per 5,000 names). */
  async *walk(path: string): AsyncIterable<FileInfo> {
    const prefix = this.keys.dir(path);
    try {
      for await (const item of this.container.listBlobsFlat({ prefix })) {
        yield {
          path: this.keys.path(item.name),
          size: item.properties.contentLength ?? 0,
          modTime: item.properties.lastModified,
          isDir: false,
          version: item.properties.etag,
        };
      }
    } catch (err) {
      throw translate(err, path);
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
      throw translate(err, path);
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

  private blob(path: string): BlobClient {
    return this.container.getBlobClient(this.keys.file(path));
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function serviceClient(settings: AzureSettings): BlobServiceClient {
  if (settings.connectionString !== undefined) return BlobServiceClient.fromConnectionString(settings.connectionString);
  const credential = settings.credential;
  if (credential === undefined) throw new Error('azure: no credential configured');
  const url = settings.serviceUrl;
  if (url === undefined) throw new Error('azure: no service URL configured');
  switch (credential.kind) {
    case 'shared-key':
      return new BlobServiceClient(url, new StorageSharedKeyCredential(credential.accountName, credential.accountKey));
    case 'client-secret':
      return new BlobServiceClient(url, new ClientSecretCredential(credential.tenantId, credential.clientId, credential.secret));
    case 'default':
      return new BlobServiceClient(url, new DefaultAzureCredential());
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof RestError && err.statusCode === 404 && err.code !== 'ContainerNotFound';
}

/**
 * PathNotFoundError for a missing blob; any other failure keeps Azure's own words (and names
 * the container when it is the container that is missing), so a wrong key or a missing
 * container reads clearly in logs and in the health check.
 */
function translate(err: unknown, path: string): Error {
  if (err instanceof StorageDriverError) return err;
  if (isNotFound(err)) return new PathNotFoundError(path);
  if (err instanceof RestError) {
    const code = err.code ?? `HTTP ${err.statusCode ?? '?'}`;
    const first = (err.message.split('\n')[0] ?? '').trim();
    return new Error(`azure: ${code}${first && first !== code ? `: ${first}` : ''}`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
