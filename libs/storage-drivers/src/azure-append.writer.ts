import type { AppendBlobClient } from '@azure/storage-blob';
import { BlockFileWriter } from './block-file.writer.js';

/**
 * Azure accepts at most 4 MiB per Append Block on the service versions registry:2 and Azurite
 * speak; it is also what registry:2 sends, so an upload looks the same whichever wrote it.
 */
export const APPEND_BLOCK_BYTES = 4 * 1024 * 1024;

/**
 * Writes an upload as an Azure append blob, the layout registry:2 uses: every Append Block is
 * durable and visible to any process once it returns, so `close` only has to append what is
 * pending, and a later `writer(path, true)` continues at the blob's length.
 *
 * Each block is sent with the append position it expects: a second writer racing on the same
 * upload fails (AppendPositionConditionNotMet) instead of interleaving bytes.
 */
export class AzureAppendWriter extends BlockFileWriter {
  constructor(
    path: string,
    private readonly blob: AppendBlobClient,
    existing: { stored: number; tail?: Buffer; modTime?: Date },
  ) {
    super(path, existing, APPEND_BLOCK_BYTES);
  }

  /** One block per call, so a failure never leaves the stored length unknown. */
  protected override async storeBlocks(data: Buffer, offset: number): Promise<number> {
    await this.appendBlock(data.subarray(0, APPEND_BLOCK_BYTES), offset);
    return APPEND_BLOCK_BYTES;
  }

  protected override async complete(rest: Buffer): Promise<void> {
    await this.keep(rest);
  }

  protected override async keep(rest: Buffer): Promise<void> {
    for (let at = 0; at < rest.length; at += APPEND_BLOCK_BYTES) {
      const block = rest.subarray(at, at + APPEND_BLOCK_BYTES);
      await this.appendBlock(block, this.stored);
      this.addStored(block.length);
    }
  }

  protected override async discard(): Promise<void> {
    await this.blob.deleteIfExists();
  }

  private async appendBlock(block: Buffer, offset: number): Promise<void> {
    await this.blob.appendBlock(block, block.length, { conditions: { appendPosition: offset } });
  }
}
