import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A second process on the same embedded data folder: it must not start (each would see only its own writes). */
export class DataDirLockedError extends Error {}

export interface DataDirLock {
  /** Removes the lock file (at a clean stop). */
  release(): void;
}

const LOCK_FILE = 'genai-cp.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock of an embedded PGlite data folder: a file created exclusively, holding the owner's
 * pid and host. A lock left by a process that is gone (kill -9, a crash) is taken over; one held by
 * a live process (this one included: a second app in the same process) is refused with a message
 * that says what to do.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx' });
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            if (fs.readFileSync(file, 'utf8') === mine) fs.unlinkSync(file);
          } catch {
            // Already gone.
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner: { pid?: number; host?: string } = {};
    try {
      owner = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof owner;
    } catch {
      // Unreadable or half-written: treat it as stale.
    }
    const sameHost = !owner.host || owner.host === os.hostname();
    if (typeof owner.pid === 'number' && (!sameHost || alive(owner.pid))) {
      throw new DataDirLockedError(
        `DATA_DIR ${path.resolve(dataDir)} is in use by process ${owner.pid}${sameHost ? '' : ` on ${owner.host}`}: the embedded database serves one process only. ` +
          'Stop that process, give this one another DATA_DIR, or run several instances on PostgreSQL (DATABASE_URL).',
      );
    }
    // The owner is gone: take the lock over.
    fs.rmSync(file, { force: true });
  }
  throw new DataDirLockedError(`could not take the lock of DATA_DIR ${path.resolve(dataDir)}`);
}
