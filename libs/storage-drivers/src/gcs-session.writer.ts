import type { File } from '@google-cloud/storage';
import { BlockFileWriter } from './block-file.writer.js';

/** GCS takes a resumable session's bytes in multiples of 256 KiB, except for the last request. */
export const GCS_CHUNK_GRANULE = 256 * 1024;

/** Content type of the object that stands for an unfinished upload (registry:2's name for it). */
export const UPLOAD_SESSION_TYPE = 'application/x-docker-upload-session';
export const BLOB_TYPE = 'application/octet-stream';

/** Where an upload stands: its session, the bytes the session holds, and the tail kept aside. */
export interface GcsUploadState {
  sessionUri?: string;
  /** Bytes the session holds (a multiple of 256 KiB). */
  offset: number;
  /** Bytes after `offset` not yet in the session (under 256 KiB after a close). */
  tail?: Buffer;
  modTime?: Date;
}

/**
 * Writes a file through a GCS resumable upload session, the way registry:2's gcs driver does,
 * so either registry resumes the other's uploads: full 256 KiB multiples go to the session as
 * they arrive (at least `chunkSize` at a time); `close` stores the rest, with the session URI
 * and its offset in the metadata, as an object of type application/x-docker-upload-session at
 * the file's own path; `commit` sends the rest as the session's last request, which replaces
 * that object with the finished file.
 *
 * The offset is kept in storage rather than asked of the session: asking needs an extra
 * request, and some emulators finalize a session when asked.
 */
export class GcsSessionWriter extends BlockFileWriter {
  private sessionUri: string | undefined;
  /** Set once the session turned out to be gone: what this writer may no longer keep. */
  private lost: Error | undefined;

  constructor(
    path: string,
    private readonly file: File,
    state: GcsUploadState,
    chunkSize: number,
  ) {
    super(path, { stored: state.offset, ...(state.tail ? { tail: state.tail } : {}), ...(state.modTime ? { modTime: state.modTime } : {}) }, chunkSize);
    this.sessionUri = state.sessionUri;
  }

  protected override async storeBlocks(data: Buffer, offset: number): Promise<number> {
    const length = data.length - (data.length % GCS_CHUNK_GRANULE);
    const session = await this.session();
    const response = await this.put(session, data.subarray(0, length), `bytes ${offset}-${offset + length - 1}/*`);
    if (response.status !== 308) throw await this.failure(response, 'chunk');
    // 308 with the range the session now holds: normally all of it, but GCS may keep less
    await response.body?.cancel();
    const held = /^bytes=0-(\d+)$/.exec(response.headers.get('range') ?? '');
    return held ? Number(held[1]) + 1 - offset : 0;
  }

  protected override async complete(rest: Buffer): Promise<void> {
    if (this.sessionUri === undefined) {
      // small enough never to have needed a session: one plain upload
      await this.file.save(rest, { resumable: false, contentType: BLOB_TYPE, validation: false });
    } else {
      const total = this.stored + rest.length;
      const range = rest.length === 0 ? `bytes */${total}` : `bytes ${this.stored}-${total - 1}/${total}`;
      const response = await this.put(this.sessionUri, rest, range);
      if (response.status !== 200 && response.status !== 201) throw await this.failure(response, 'last chunk');
      await response.body?.cancel();
    }
    this.addStored(rest.length);
  }

  protected override async keep(rest: Buffer): Promise<void> {
    // nothing to keep after the session's bytes are gone: `rest` would follow bytes nobody has
    if (this.lost) throw this.lost;
    const metadata: Record<string, string> = { Offset: String(this.stored) };
    if (this.sessionUri !== undefined) metadata['Session-URI'] = this.sessionUri;
    await this.file.save(rest, { resumable: false, contentType: UPLOAD_SESSION_TYPE, metadata: { metadata }, validation: false });
    this.addStored(rest.length);
  }

  protected override async discard(): Promise<void> {
    await this.file.delete({ ignoreNotFound: true });
    // the session would expire on its own in a week; ending it now frees it at once
    if (this.sessionUri !== undefined) {
      await fetch(this.sessionUri, { method: 'DELETE' }).then((r) => r.body?.cancel(), () => undefined);
    }
  }

  /**
   * The error for a request the session refused. 404 and 410 mean the session is gone (GCS
   * ends one a week after it began; an emulator may forget it when it restarts), and with it
   * every byte it held: the upload's state is removed, so the next writer of the path starts at
   * 0 and the client, asking for the upload's offset, sends the blob again instead of chunks
   * after bytes that no longer exist.
   */
  private async failure(response: Response, what: string): Promise<Error> {
    const error = await unexpected(response, what);
    if (response.status !== 404 && response.status !== 410) return error;
    this.lost = new Error(
      `gcs: the resumable upload session for ${this.path} is gone (HTTP ${response.status}) with the ${this.stored} bytes it held; the upload starts again at 0`,
      { cause: error },
    );
    await this.file.delete({ ignoreNotFound: true });
    return this.lost;
  }

  private async session(): Promise<string> {
    this.sessionUri ??= (await this.file.createResumableUpload({ metadata: { contentType: BLOB_TYPE } }))[0];
    return this.sessionUri;
  }

  /** Session URIs carry their own authorization: no credentials are sent with them. */
  private put(uri: string, body: Buffer, contentRange: string): Promise<Response> {
    return fetch(uri, { method: 'PUT', headers: { 'Content-Range': contentRange }, body });
  }
}

async function unexpected(response: Response, what: string): Promise<Error> {
  const text = (await response.text().catch(() => '')).slice(0, 300);
  return new Error(`gcs: resumable upload ${what} answered ${response.status}${text ? `: ${text}` : ''}`);
}
