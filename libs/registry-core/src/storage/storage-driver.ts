import type { Readable, Writable } from 'node:stream';

/**
 * The one contract every storage backend fulfils: local disks (filesystem), process memory
 * (inmemory) and object stores (s3, azure, gcs, swift).
 *
 * Paths are absolute, slash-separated and rooted at the driver's own root
 * ("/docker/registry/v2/blobs/..."); components match [A-Za-z0-9._-]+ and are
 * never "." or ".."; "/" itself may only be stat-ed, listed and walked. A driver never
 * touches anything outside its root. Registry logic talks to storage only
 * through this interface and `paths.ts`.
 *
 * Directories are implied by the files under them. On a disk they outlive their last
 * file (registry:2 leaves them too); an object store has no directories, so there one
 * vanishes with its last file. Callers therefore treat "empty" and "missing" alike.
 *
 * Shared semantics (checked by the driver suite in libs/storage-drivers):
 * `list` and `walk` order is unspecified; reading a directory or listing a file is
 * PathNotFoundError; a reader `end` past the last byte is clipped; `delete` never
 * removes parent directories itself.
 */
export interface StorageDriver {
  /** Short name used in logs and config ("filesystem", "inmemory", "s3"). */
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
   * Opens a file for writing; `append` continues what earlier writers of `path` left
   * (committed, or kept by `close()`), otherwise the file starts empty and anything a
   * closed writer left pending there is discarded.
   *
   * Written bytes are guaranteed visible to `stat`, `reader`, `list` and `walk` only once
   * `commit()` has resolved. Before that they may or may not be visible: on a disk they are
   * (an O_APPEND file), on an object store they are not (parts of a multipart upload). So
   * the size of something being written comes from a writer (`size()`), never from `stat`.
   *
   * `close()` keeps the bytes in storage so that a later `writer(path, true)`, in this
   * process or any other sharing the storage, continues after them. Two writers of one path
   * at a time are not supported.
   */
  writer(path: string, append: boolean): Promise<FileWriter>;

  /**
   * Throws PathNotFoundError. A directory is found while a file lies below it;
   * `stat('/')` always succeeds, but asks the backend (a cheap probe of reachability
   * and credentials).
   */
  stat(path: string): Promise<FileInfo>;

  /** Full paths of the direct children of a directory. Throws PathNotFoundError. */
  list(path: string): Promise<string[]>;

  /**
   * Every file (never a directory) anywhere below directory `path`, in any order, with its
   * size and modification time. A flat listing where the backend has one (about one
   * request per 1,000 files on S3), so garbage collection costs no request per
   * directory. A missing directory, or a file, yields nothing. Files written while the walk
   * runs may or may not be seen.
   */
  walk(path: string): AsyncIterable<FileInfo>;

  /**
   * Moves a file into place atomically for readers of `dest` (they see the old or the new
   * file, never a mix), replacing any file there. Parent directories of `dest` are created as
   * needed. An object store copies server-side, then deletes the source.
   */
  move(source: string, dest: string): Promise<void>;

  /**
   * Deletes a file or a whole directory tree. Throws PathNotFoundError. Bytes a closed
   * writer left pending are not necessarily files: discard them with a writer's `cancel()`
   * (an upload that is given up) or `purgePendingWrites` (ones nobody will come back for).
   */
  delete(path: string): Promise<void>;

  /**
   * Optional, for backends that can sign URLs: a URL from which a client can `method` the
   * file directly for at least `expiresInMs`, so blob bytes do not pass through the registry.
   * Undefined when this file cannot be served that way (the registry then serves it itself).
   * The file must exist; the URL is not checked against it.
   */
  redirectURL?(path: string, options: RedirectOptions): Promise<string | undefined>;

  /**
   * Optional, for backends that keep unfinished writes apart from files (S3 multipart
   * uploads): discards every pending write below directory `path` that began before
   * `startedBefore`, including those no writer can reach any more because another process
   * deleted their directory without cancelling them (registry:2's purger does this).
   * Returns the paths whose pending bytes were discarded.
   */
  purgePendingWrites?(path: string, startedBefore: Date): Promise<string[]>;

  /** Optional: releases connections and timers; the driver is not used afterwards. */
  close?(): Promise<void>;
}

export interface RedirectOptions {
  method: 'GET' | 'HEAD';
  expiresInMs: number;
}

export interface FileInfo {
  path: string;
  /** Bytes; 0 for directories. */
  size: number;
  modTime: Date;
  isDir: boolean;
  /**
   * Opaque identity of this version of the file: it changes whenever the content
   * is replaced (putContent, move, commit). Lets callers cache small files and
   * revalidate with one cheap stat instead of a read.
   */
  version: string;
}

/** A file being written. Exactly one of `commit`, `close` or `cancel` ends it. */
export interface FileWriter {
  /** The stream to pipe bytes into; `pipeline(source, writer.stream)` resolves when they are handed to the driver. */
  readonly stream: Writable;
  /** Bytes in the file so far: what earlier writers left (for an append) plus what this one took. */
  size(): number;
  /**
   * When the bytes already in the file at open time were last written (committed or left
   * pending by a closed writer); undefined when it held none. Lets the upload service tell
   * an idle upload without a `stat`, which cannot see pending bytes.
   */
  readonly modTime: Date | undefined;
  /**
   * Makes the whole file (earlier writers' bytes and this one's) durable and visible at the
   * path, then ends the writer. Rejects if the stream failed.
   */
  commit(): Promise<void>;
  /** Ends the writer and discards the file: what this writer took and what earlier writers left. */
  cancel(): Promise<void>;
  /**
   * Ends the writer keeping every byte it took in storage for a later `writer(path, true)`
   * (a chunk of an upload that continues later), even if the stream failed midway: `size()`
   * then counts exactly the bytes kept. Does not make them visible, and promises no more
   * durability than the backend's ordinary writes (a disk may lose them in a power cut):
   * only `commit` syncs.
   */
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
