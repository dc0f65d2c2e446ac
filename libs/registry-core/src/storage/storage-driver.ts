import type { Readable, Writable } from 'node:stream';

/**
 * The one contract every storage backend fulfils (filesystem, inmemory, later s3).
 *
 * Paths are absolute, slash-separated and rooted at the driver's own root
 * ("/docker/registry/v2/blobs/..."); components match [A-Za-z0-9._-]+ and are
 * never "." or ".."; "/" itself may only be stat-ed and listed. A driver never
 * touches anything outside its root. Registry logic talks to storage only
 * through this interface and `paths.ts`.
 *
 * Shared semantics (checked by the driver suite in libs/storage-drivers):
 * `list` order is unspecified; reading a directory or listing a file is
 * PathNotFoundError; a reader `end` past the last byte is clipped; `delete`
 * leaves empty parent directories, as registry:2 does.
 */
export interface StorageDriver {
  /** Short name used in logs and config ("filesystem", "inmemory"). */
  readonly name: string;

  /** Whole small file (links, manifests). Throws PathNotFoundError. */
  getContent(path: string): Promise<Buffer>;

  /** Replaces a small file atomically: readers see the old or the new content, never a mix. */
  putContent(path: string, content: Buffer | string): Promise<void>;

  /**
   * A stream of the file from `offset` (inclusive) to `end` (inclusive, default: last byte).
   * Throws PathNotFoundError; throws InvalidOffsetError when offset is past the end.
   */
  reader(path: string, offset?: number, end?: number): Promise<Readable>;

  /**
   * Opens a file for writing. `append` continues an existing file (resumed uploads);
   * otherwise the file is truncated. Bytes reach the path as they are written
   * (they are visible to `stat` and to other processes on the same storage).
   */
  writer(path: string, append: boolean): Promise<FileWriter>;

  /** Throws PathNotFoundError. */
  stat(path: string): Promise<FileInfo>;

  /** Full paths of the direct children of a directory. Throws PathNotFoundError. */
  list(path: string): Promise<string[]>;

  /**
   * Moves a file into place atomically, replacing any file at `dest`.
   * Parent directories of `dest` are created as needed.
   */
  move(source: string, dest: string): Promise<void>;

  /** Deletes a file or a whole directory tree. Throws PathNotFoundError. */
  delete(path: string): Promise<void>;
}

export interface FileInfo {
  path: string;
  /** Bytes; 0 for directories. */
  size: number;
  modTime: Date;
  isDir: boolean;
  /**
   * Opaque identity of this version of the file: it changes whenever the content
   * is replaced (putContent, move, write). Lets callers cache small files and
   * revalidate with one cheap stat instead of a read.
   */
  version: string;
}

/** A file being written. Exactly one of `commit` or `cancel` ends it. */
export interface FileWriter {
  /** The stream to pipe bytes into; `pipeline(source, writer.stream)` resolves when they are handed to the driver. */
  readonly stream: Writable;
  /** Bytes in the file so far, including what was there before an append. */
  size(): number;
  /** Makes every written byte durable (fsync for the filesystem) and closes the file. */
  commit(): Promise<void>;
  /** Closes the file and removes it. */
  cancel(): Promise<void>;
  /** Closes the file keeping what was written (a chunk of an upload that continues later). */
  close(): Promise<void>;
}

export class StorageDriverError extends Error {
  constructor(message: string, readonly path: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class PathNotFoundError extends StorageDriverError {
  constructor(path: string) {
    super(`path not found: ${path}`, path);
  }
}

export class InvalidOffsetError extends StorageDriverError {
  constructor(path: string, readonly offset: number) {
    super(`invalid offset ${offset} for ${path}`, path);
  }
}

export class InvalidPathError extends StorageDriverError {
  constructor(path: string) {
    super(`invalid path: ${path}`, path);
  }
}

export function isPathNotFound(err: unknown): err is PathNotFoundError {
  return err instanceof PathNotFoundError;
}
