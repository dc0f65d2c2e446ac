import { Readable } from 'node:stream';
import {
  InvalidOffsetError,
  PathNotFoundError,
  StorageDriverError,
  type FileInfo,
  type StorageDriver,
} from '@wharf/registry-core';
import { childPath, splitDriverPath } from './driver-path.js';
import { InMemoryFileWriter } from './inmemory-file.writer.js';
import {
  joinedContent,
  newDirectory,
  newFile,
  touch,
  type MemoryDirectory,
  type MemoryFile,
  type MemoryNode,
} from './inmemory-node.js';
import { checkReadRange } from './read-range.js';

/** Largest chunk a reader emits, as the filesystem driver's read buffer. */
const READ_PIECE = 1024 * 1024;

/**
 * A tree of directories and files in process memory, for tests and throwaway registries.
 * Same paths, semantics and errors as FilesystemDriver: writes create parent directories,
 * directories outlive their last child, and buffers never leave or enter the store without
 * being copied, so callers cannot change stored bytes by mutating what they hold.
 */
export class InMemoryDriver implements StorageDriver {
  readonly name = 'inmemory';
  private readonly root: MemoryDirectory = newDirectory();

  async getContent(path: string): Promise<Buffer> {
    return Buffer.from(joinedContent(this.fileAt(path)));
  }

  /** Swaps in a new node: readers of the old one keep the old bytes. */
  async putContent(path: string, content: Buffer | string): Promise<void> {
    const parts = splitDriverPath(path);
    const parent = this.makeParents(path, parts);
    const name = parts[parts.length - 1]!;
    if (parent.children.get(name)?.kind === 'dir') throw new StorageDriverError(`is a directory: ${path}`, path);
    setChild(parent, name, newFile([Buffer.from(content)]));
  }

  /** Snapshots the file's chunks at open time; appends made later are not part of this read. */
  async reader(path: string, offset = 0, end?: number): Promise<Readable> {
    splitDriverPath(path);
    checkReadRange(path, offset, end);
    const file = this.fileAt(path);
    if (offset > file.size) throw new InvalidOffsetError(path, offset);
    const last = Math.min(end ?? file.size - 1, file.size - 1);
    return Readable.from(pieces(file.chunks.slice(), offset, last), { objectMode: false });
  }

  async writer(path: string, append: boolean): Promise<InMemoryFileWriter> {
    const parts = splitDriverPath(path);
    const parent = this.makeParents(path, parts);
    const name = parts[parts.length - 1]!;
    const existing = parent.children.get(name);
    if (existing?.kind === 'dir') throw new StorageDriverError(`is a directory: ${path}`, path);
    let file: MemoryFile;
    if (existing === undefined) {
      file = newFile();
      setChild(parent, name, file);
    } else {
      file = existing;
      if (!append) {
        // O_TRUNC: same node, so other writers of it see the truncation too.
        file.chunks = [];
        file.size = 0;
        touch(file);
      }
    }
    const modTime = file.size > 0 ? file.modTime : undefined;
    return new InMemoryFileWriter(file, file.size, modTime, () => this.unlinkFile(parts));
  }

  async stat(path: string): Promise<FileInfo> {
    const node = this.lookup(splitDriverPath(path, true));
    if (node === undefined) throw new PathNotFoundError(path);
    return nodeInfo(path, node);
  }

  /** In insertion order; callers must not rely on any order (the filesystem has none). */
  async list(path: string): Promise<string[]> {
    const node = this.lookup(splitDriverPath(path, true));
    if (node?.kind !== 'dir') throw new PathNotFoundError(path);
    return [...node.children.keys()].map((name) => childPath(path, name));
  }

  /** Depth-first over a snapshot of each directory's children. */
  async *walk(path: string): AsyncIterable<FileInfo> {
    const node = this.lookup(splitDriverPath(path, true));
    if (node?.kind !== 'dir') return;
    for (const [name, child] of [...node.children]) {
      const full = childPath(path, name);
      if (child.kind === 'file') yield nodeInfo(full, child);
      else yield* this.walk(full);
    }
  }

  /** Replaces a file at dest, as rename(2) does; refuses to replace a directory or put one inside itself. */
  async move(source: string, dest: string): Promise<void> {
    const from = splitDriverPath(source);
    const to = splitDriverPath(dest);
    const node = this.lookup(from);
    if (node === undefined) throw new PathNotFoundError(source);
    if (source === dest) return;
    if (dest.startsWith(`${source}/`)) throw new StorageDriverError(`cannot move ${source} into itself`, dest);
    const destParent = this.makeParents(dest, to);
    const destName = to[to.length - 1]!;
    const replaced = destParent.children.get(destName);
    if (replaced !== undefined && (replaced.kind === 'dir' || node.kind === 'dir')) {
      throw new StorageDriverError(`cannot replace ${dest}`, dest);
    }
    const sourceParent = this.lookup(from.slice(0, -1)) as MemoryDirectory;
    sourceParent.children.delete(from[from.length - 1]!);
    touch(sourceParent);
    setChild(destParent, destName, node);
  }

  /** Removes the node and its subtree; the parent directory stays (see FilesystemDriver.delete). */
  async delete(path: string): Promise<void> {
    const parts = splitDriverPath(path);
    const parent = this.lookup(parts.slice(0, -1));
    const name = parts[parts.length - 1]!;
    if (parent?.kind !== 'dir' || !parent.children.delete(name)) throw new PathNotFoundError(path);
    touch(parent);
  }

  private fileAt(path: string): MemoryFile {
    const node = this.lookup(splitDriverPath(path));
    if (node?.kind !== 'file') throw new PathNotFoundError(path);
    return node;
  }

  private lookup(parts: readonly string[]): MemoryNode | undefined {
    let node: MemoryNode | undefined = this.root;
    for (const part of parts) {
      if (node.kind !== 'dir') return undefined;
      node = node.children.get(part);
      if (node === undefined) return undefined;
    }
    return node;
  }

  /** mkdir -p of the path's parent; a file in the way is an error, as ENOTDIR is on disk. */
  private makeParents(path: string, parts: readonly string[]): MemoryDirectory {
    let dir = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      const part = parts[i]!;
      let next = dir.children.get(part);
      if (next === undefined) {
        next = newDirectory();
        setChild(dir, part, next);
      } else if (next.kind !== 'dir') {
        throw new StorageDriverError(`not a directory: /${parts.slice(0, i + 1).join('/')}`, path);
      }
      dir = next;
    }
    return dir;
  }

  /** unlink(2) of whatever file is at the path now. */
  private unlinkFile(parts: readonly string[]): void {
    const parent = this.lookup(parts.slice(0, -1));
    const name = parts[parts.length - 1]!;
    if (parent?.kind === 'dir' && parent.children.get(name)?.kind === 'file') {
      parent.children.delete(name);
      touch(parent);
    }
  }
}

function nodeInfo(path: string, node: MemoryNode): FileInfo {
  const isDir = node.kind === 'dir';
  return { path, size: isDir ? 0 : node.size, modTime: node.modTime, isDir, version: String(node.revision) };
}

function setChild(dir: MemoryDirectory, name: string, node: MemoryNode): void {
  dir.children.set(name, node);
  touch(dir);
}

/** Copies of bytes [start, end] of the chunks, at most READ_PIECE each. */
function* pieces(chunks: readonly Buffer[], start: number, end: number): Generator<Buffer> {
  let position = 0;
  for (const chunk of chunks) {
    if (position > end) return;
    const chunkEnd = position + chunk.length;
    let from = Math.max(start - position, 0);
    const to = Math.min(end + 1 - position, chunk.length);
    while (from < to) {
      const next = Math.min(from + READ_PIECE, to);
      yield Buffer.from(chunk.subarray(from, next));
      from = next;
    }
    position = chunkEnd;
  }
}
