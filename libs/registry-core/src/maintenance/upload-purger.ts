import { paths, REPOSITORIES } from '../storage/paths.js';
import { isPathNotFound, type StorageDriver } from '../storage/storage-driver.js';
import { LinkStore } from '../stores/link.store.js';
import { PeriodicTask } from './periodic-task.js';
import { RepositoryWalker } from './repository.walker.js';

export interface UploadPurgerOptions {
  /** Uploads started longer ago than this are removed (registry:2 default: 168h). */
  ageMs: number;
  /** Report what would go, delete nothing. */
  dryRun: boolean;
  /** Also removed: uploads that received no byte for this long (Wharf's limits.uploadexpiry); 0: off. */
  idleMs?: number;
  /** The clock, in ms since the epoch; replaceable in tests. */
  now?: () => number;
  /** Called after every scheduled run. */
  onRun?: (report: UploadPurgeReport) => void;
  /** Called when a scheduled run fails; the schedule carries on. */
  onError?: (err: unknown) => void;
}

export interface PurgedUpload {
  repository: string;
  id: string;
  startedAt: Date;
}

export interface UploadPurgeReport {
  dryRun: boolean;
  /** Upload folders looked at. */
  scanned: number;
  /** Removed (in a dry run: would have been removed). */
  purged: PurgedUpload[];
  /** Upload folders whose age could not be told; they are kept. */
  undated: string[];
  /**
   * Unfinished writes the storage kept apart from files (S3 multipart uploads) that began before
   * the age limit, discarded (in a dry run: found) though no upload folder names them any more:
   * what registry:2's purger leaves behind when it deletes a folder.
   */
  orphanedWrites: string[];
}

// registry:2 purges only folders named by a UUID: anything else under _uploads is not an upload it made.
const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Removes abandoned blob uploads (`_uploads/<id>`), as registry:2's upload purging does.
 * An upload's age comes from its `startedat` file; a monolithic upload has none, so the
 * time its last bytes arrived stands in (a live upload always looks fresh). An upload with
 * neither is kept. Bytes an upload left pending go with it (through its writer), and on
 * storage that keeps pending writes apart, those no folder names any more go too.
 *
 * Safe beside a running registry: only uploads older than `ageMs` go, and a client
 * resuming one of those afterwards gets BLOB_UPLOAD_UNKNOWN and starts again.
 */
export class UploadPurger {
  private readonly links: LinkStore;
  private readonly walker: RepositoryWalker;
  private readonly now: () => number;
  private readonly schedule: PeriodicTask<UploadPurgeReport>;

  constructor(
    private readonly driver: StorageDriver,
    private readonly options: UploadPurgerOptions,
  ) {
    this.links = new LinkStore(driver);
    this.walker = new RepositoryWalker(driver);
    this.now = options.now ?? Date.now;
    this.schedule = new PeriodicTask(() => this.purgeOnce(), options.onRun, options.onError);
  }

  /** Purges after `firstRunDelayMs`, then every `intervalMs` (see PeriodicTask). */
  start(intervalMs: number, firstRunDelayMs = 0): void {
    this.schedule.start(intervalMs, firstRunDelayMs);
  }

  /** Cancels the schedule and waits for a run in progress to finish. */
  stop(): Promise<void> {
    return this.schedule.stop();
  }

  async purgeOnce(): Promise<UploadPurgeReport> {
    const cutoff = this.now() - this.options.ageMs;
    const report: UploadPurgeReport = { dryRun: this.options.dryRun, scanned: 0, purged: [], undated: [], orphanedWrites: [] };
    for (const repository of await this.walker.list()) {
      if (!repository.internal.has('_uploads')) continue;
      for (const id of await this.links.children(paths.uploads(repository.name))) {
        if (!UPLOAD_ID.test(id)) continue;
        report.scanned++;
        const startedAt = await this.startedAt(repository.name, id);
        if (startedAt === undefined) {
          report.undated.push(`${repository.name}/${id}`);
          continue;
        }
        if (startedAt.getTime() >= cutoff && !(await this.idle(repository.name, id, startedAt))) continue;
        if (!this.options.dryRun) await this.remove(repository.name, id);
        report.purged.push({ repository: repository.name, id, startedAt });
      }
    }
    if (this.driver.purgePendingWrites && !this.options.dryRun) {
      report.orphanedWrites = await this.driver.purgePendingWrites(REPOSITORIES, new Date(cutoff));
    }
    return report;
  }

  /** Its pending bytes first (only its writer reaches them), then its folder. */
  private async remove(name: string, id: string): Promise<void> {
    await (await this.driver.writer(paths.uploadData(name, id), true)).cancel();
    await this.links.remove(paths.uploadDir(name, id));
  }

  /** Whether the upload received no byte (or, with none, was started) idleMs ago: UploadService's rule on access. */
  private async idle(name: string, id: string, startedAt: Date): Promise<boolean> {
    const idleMs = this.options.idleMs ?? 0;
    if (idleMs <= 0) return false;
    const lastActive = (await this.lastWrite(name, id)) ?? startedAt;
    return lastActive.getTime() < this.now() - idleMs;
  }

  /** When bytes last reached the upload, pending or not: only a writer can tell on every storage. */
  private async lastWrite(name: string, id: string): Promise<Date | undefined> {
    const writer = await this.driver.writer(paths.uploadData(name, id), true);
    await writer.close();
    return writer.modTime;
  }

  private async startedAt(name: string, id: string): Promise<Date | undefined> {
    try {
      const text = (await this.driver.getContent(paths.uploadStartedAt(name, id))).toString('utf8').trim();
      const parsed = Date.parse(text);
      if (!Number.isNaN(parsed)) return new Date(parsed);
    } catch (err) {
      if (!isPathNotFound(err)) throw err;
    }
    return this.lastWrite(name, id);
  }
}
