/** A file held by InMemoryDriver: written chunks, joined only when someone asks for the whole. */
export interface MemoryFile {
  readonly kind: 'file';
  chunks: Buffer[];
  size: number;
  modTime: Date;
  /** Changes on every modification: FileInfo.version. */
  revision: number;
}

/** Directories are made by writes (like mkdir -p) and outlive their last child, as on disk. */
export interface MemoryDirectory {
  readonly kind: 'dir';
  readonly children: Map<string, MemoryNode>;
  modTime: Date;
  revision: number;
}

export type MemoryNode = MemoryFile | MemoryDirectory;

export function newFile(chunks: Buffer[] = []): MemoryFile {
  return { kind: 'file', chunks, size: chunks.reduce((sum, c) => sum + c.length, 0), modTime: new Date(), revision: nextRevision() };
}

export function newDirectory(): MemoryDirectory {
  return { kind: 'dir', children: new Map(), modTime: new Date(), revision: nextRevision() };
}

/** The whole content as one buffer (shared with the file: copy before handing it out). */
export function joinedContent(file: MemoryFile): Buffer {
  if (file.chunks.length !== 1) file.chunks = [Buffer.concat(file.chunks, file.size)];
  return file.chunks[0]!;
}

/** Appends a private copy of `buffers` as one chunk. */
export function appendTo(file: MemoryFile, buffers: Buffer[]): number {
  const chunk = Buffer.concat(buffers);
  if (chunk.length > 0) {
    file.chunks.push(chunk);
    file.size += chunk.length;
    touch(file);
  }
  return chunk.length;
}

let revisions = 0;
function nextRevision(): number {
  return ++revisions;
}

/** Marks a node as modified now. */
export function touch(node: MemoryNode): void {
  node.modTime = new Date();
  node.revision = nextRevision();
}
