import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { lockDataDir, type DataDirLock } from '../db/data-dir-lock';

/** Knobs of the trace spool. */
export interface TraceSpoolOptions {
  /** Root folder; each process spools into its own locked sub-folder of it. */
  dir: string;
  /** Bytes the spool may hold (all segments of this process); beyond it records are not spooled. Default 256 MiB. */
  maxBytes?: number;
  /** A segment file is sealed past this many bytes. Default 4 MiB. */
  segmentBytes?: number;
  /**
   * When appended records reach the disk itself, not only the kernel (`TRACE_SPOOL_FSYNC`):
   * - `batch` (default): group commit. `synced()` resolves after one fdatasync covering every record
   *   appended before it; concurrent completions share it (at most one in flight, the next one
   *   covering what arrived meanwhile). The pipeline awaits it before acknowledging a generation, so
   *   an acknowledged generation's trace survives a power loss, at the cost of one fdatasync per
   *   group, off the event loop.
   * - `always`: fdatasync inside every `append()` (blocks the event loop for each).
   * - `off`: write(2) only: survives kill -9, not a power loss or an OS crash.
   */
  fsync?: SpoolFsync;
}

export type SpoolFsync = 'batch' | 'always' | 'off';

const RESOLVED = Promise.resolve();

/** The shortest line `append()` can write: `{"at":"<24-character ISO time>"}` and a newline (a record that encodes to nothing). */
const MIN_LINE_BYTES = 34;

/** One spooled record as a line: the record and the time it was enqueued. */
export interface SpooledLine {
  at: string;
  record: unknown;
}

/**
 * A local append-only spool in front of the database (like the OpenTelemetry Collector's persistent
 * queue): `append()` writes the record with write(2) before the caller acknowledges anything, so a
 * crash (kill -9) of the process does not lose it; the kernel has it. Segments are JSON lines. Each
 * appended record gets a sequence number (1, 2, …); a sealed segment is removed by `release()` as
 * soon as every record in it is in the database (the writer's low-water mark is past its highest
 * sequence), however many later records are still waiting, so a writer that never catches up
 * under sustained load does not fill the spool; once every record appended so far has been written,
 * `settled()` also truncates the open one. A process that died leaves its folder behind: the next one
 * to start replays it (`orphans()`), and the database's ON CONFLICT (id) makes a replay idempotent.
 */
export class TraceSpool {
  readonly folder: string;
  private readonly lock: DataDirLock;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private fd: number | null = null;
  private segment = 0;
  private segmentSize = 0;
  /** Bytes in sealed segments plus the open one. */
  private bytes = 0;
  /** Sealed segments still on disk, oldest first: their file, size and highest sequence. */
  private sealed: Array<{ file: string; bytes: number; lastSeq: number }> = [];
  readonly fsync: SpoolFsync;
  /** Group commit: records appended so far, records known to be on disk, the fdatasync in flight. */
  private appended = 0;
  private durable = 0;
  private syncing: Promise<void> | null = null;

  constructor(private readonly opts: TraceSpoolOptions) {
    this.maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
    this.segmentBytes = opts.segmentBytes ?? 4 * 1024 * 1024;
    this.fsync = opts.fsync ?? 'batch';
    fs.mkdirSync(opts.dir, { recursive: true });
    this.folder = path.join(opts.dir, `${process.pid}-${randomUUID().slice(0, 8)}`);
    this.lock = lockDataDir(this.folder);
    if (this.fsync !== 'off') syncDir(opts.dir);
  }

  /** Bytes currently spooled. */
  get size(): number {
    return this.bytes;
  }

  /** True when no record can fit any more: not even the shortest line (`MIN_LINE_BYTES`). */
  get full(): boolean {
    return this.bytes + MIN_LINE_BYTES > this.maxBytes;
  }

  /** Sealed segments on disk (not counting the open one). */
  get sealedSegments(): number {
    return this.sealed.length;
  }

  /**
   * Appends one record and returns its sequence number (1, 2, … in append order); null (nothing
   * written) when the spool is full. Throws on an I/O error.
   */
  append(record: unknown, at: Date): number | null {
    if (this.full) return null; // Not even encoded: under overload every trace offered would pay for it.
    const line = JSON.stringify({ at: at.toISOString(), record } satisfies SpooledLine) + '\n';
    const size = Buffer.byteLength(line);
    if (this.bytes + size > this.maxBytes) return null;
    if (this.fd === null || this.segmentSize >= this.segmentBytes) this.openSegment();
    fs.writeSync(this.fd!, line);
    if (this.fsync === 'always') fs.fdatasyncSync(this.fd!);
    this.segmentSize += size;
    this.bytes += size;
    this.appended++;
    if (this.fsync !== 'batch') this.durable = this.appended;
    return this.appended;
  }

  /** The sequence number the next appended record will get. */
  get nextSeq(): number {
    return this.appended + 1;
  }

  /**
   * Resolves once every record appended before the call is on disk (group commit, `fsync: 'batch'`);
   * at once in the other modes. Never rejects: a failed fdatasync is logged by the caller's
   * `onSyncError` and counts as done (the record is still in the kernel, as with `off`).
   */
  synced(onSyncError?: (err: unknown) => void): Promise<void> {
    if (this.durable >= this.appended) return RESOLVED;
    return this.syncUpTo(this.appended, onSyncError);
  }

  private async syncUpTo(target: number, onSyncError?: (err: unknown) => void): Promise<void> {
    while (this.durable < target) {
      // One fdatasync at a time; what was appended while it ran waits for the next one.
      this.syncing ??= this.syncNow(onSyncError).finally(() => (this.syncing = null));
      await this.syncing;
    }
  }

  private syncNow(onSyncError?: (err: unknown) => void): Promise<void> {
    const upTo = this.appended;
    const fd = this.fd;
    return new Promise<void>((resolve) => {
      if (fd === null) {
        this.durable = Math.max(this.durable, upTo);
        return resolve();
      }
      fs.fdatasync(fd, (err) => {
        if (err) onSyncError?.(err);
        this.durable = Math.max(this.durable, upTo);
        resolve();
      });
    });
  }

  /**
   * Every record with a sequence number below `lowWater` is in the database (or given up on and
   * logged): removes the sealed segments holding only such records, oldest first. The open segment
   * stays (`settled()` truncates it).
   */
  release(lowWater: number): void {
    while (this.sealed.length && this.sealed[0]!.lastSeq < lowWater) {
      const seg = this.sealed.shift()!;
      fs.rmSync(path.join(this.folder, seg.file), { force: true });
      this.bytes -= seg.bytes;
    }
  }

  /** Every record appended so far is in the database: drop the segments. */
  settled(): void {
    this.sealed = [];
    if (this.bytes === 0) return;
    for (const f of this.segmentFiles(this.folder)) {
      if (f === this.currentFile()) continue;
      fs.rmSync(path.join(this.folder, f), { force: true });
    }
    if (this.fd !== null) fs.ftruncateSync(this.fd, 0);
    this.segmentSize = 0;
    this.bytes = 0;
  }

  /**
   * Folders left by processes that are gone (their lock is stale): each is locked for this process,
   * read, and removed by `done()` once its records are in the database.
   */
  orphans(): Array<{ folder: string; lines: SpooledLine[]; done(): void }> {
    const found: Array<{ folder: string; lines: SpooledLine[]; done(): void }> = [];
    for (const name of fs.readdirSync(this.opts.dir)) {
      const folder = path.join(this.opts.dir, name);
      if (folder === this.folder || !fs.statSync(folder).isDirectory()) continue;
      let lock: DataDirLock;
      try {
        lock = lockDataDir(folder);
      } catch {
        continue; // Its owner is alive: not ours to replay.
      }
      const lines: SpooledLine[] = [];
      for (const f of this.segmentFiles(folder)) {
        for (const raw of fs.readFileSync(path.join(folder, f), 'utf8').split('\n')) {
          if (!raw) continue;
          try {
            lines.push(JSON.parse(raw) as SpooledLine);
          } catch {
            // A line cut by the crash: nothing was acknowledged for it.
          }
        }
      }
      found.push({
        folder,
        lines,
        done() {
          lock.release();
          fs.rmSync(folder, { recursive: true, force: true });
        },
      });
    }
    return found;
  }

  /** Closes the spool; `clean` (everything written) removes its folder, else it stays for the next start. */
  close(clean: boolean): void {
    if (this.fd !== null && !clean && this.fsync !== 'off') fs.fdatasyncSync(this.fd);
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    if (clean) {
      this.lock.release();
      fs.rmSync(this.folder, { recursive: true, force: true });
    } else {
      this.lock.release();
    }
  }

  private currentFile(): string {
    return `segment-${String(this.segment).padStart(8, '0')}.jsonl`;
  }

  private openSegment(): void {
    if (this.fd !== null) {
      // What the sealed segment holds reaches the disk before its descriptor goes.
      if (this.fsync !== 'off') fs.fdatasyncSync(this.fd);
      fs.closeSync(this.fd);
      if (this.segmentSize > 0) this.sealed.push({ file: this.currentFile(), bytes: this.segmentSize, lastSeq: this.appended });
    }
    this.segment++;
    this.fd = fs.openSync(path.join(this.folder, this.currentFile()), 'a');
    // The new file's directory entry too, or a power loss could lose the file whole.
    if (this.fsync !== 'off') syncDir(this.folder);
    this.segmentSize = 0;
  }

  private segmentFiles(folder: string): string[] {
    return fs
      .readdirSync(folder)
      .filter((f) => f.startsWith('segment-') && f.endsWith('.jsonl'))
      .sort();
  }
}

/** fsync of a folder, so the files created in it survive a power loss (a no-op where folders cannot be opened). */
function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the data itself is still synced.
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
