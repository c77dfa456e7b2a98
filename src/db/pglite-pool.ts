import { EventEmitter } from 'node:events';
import { PGlite, types, type PGliteOptions } from '@electric-sql/pglite';

/**
 * A `pg`-shaped driver over one embedded PGlite database, for TypeORM's postgres dialect.
 *
 * Why not `typeorm-pglite` as is: it hands every TypeORM query runner the same connection at once, so
 * two concurrent transactions interleave their statements (one's ROLLBACK undoes the other's work),
 * and it keeps one PGlite per process. PGlite is a single connection, so this pool hands the
 * connection to one checkout at a time (a FIFO mutex): a transaction owns it from BEGIN to COMMIT,
 * exactly as with a pool of size one. Each pool owns its own PGlite instance.
 */
export function createPGliteDriver(options: PGliteOptions & { dataDir?: string }) {
  let shared: Promise<PGlite> | undefined;
  const open = () =>
    (shared ??= PGlite.create({
      ...options,
      // Match node-postgres: int8 and numeric come back as strings, so money is never a float by accident.
      parsers: { [types.INT8]: (v: string) => v, [types.NUMERIC]: (v: string) => v, ...(options.parsers ?? {}) },
      serializers: {
        [types.BOOL]: (v: unknown) => (v === true || v === 'true' || v === 1 ? 'TRUE' : v === false || v === 'false' || v === 0 ? 'FALSE' : String(v)),
        ...(options.serializers ?? {}),
      },
    }));

  class Mutex {
    private tail: Promise<void> = Promise.resolve();
    acquire(): Promise<() => void> {
      let release!: () => void;
      const next = new Promise<void>((r) => (release = r));
      const ready = this.tail.then(() => release);
      this.tail = this.tail.then(() => next);
      return ready;
    }
  }

  class PGliteClient extends EventEmitter {
    constructor(private readonly db: PGlite) {
      super();
    }
    async query(sql: string, params?: unknown[] | ((err: Error | null, r?: unknown) => void), cb?: (err: Error | null, r?: unknown) => void) {
      if (typeof params === 'function') {
        cb = params;
        params = undefined;
      }
      try {
        const result =
          Array.isArray(params) && params.length > 0 ? await this.db.query(sql, params) : await this.db.exec(sql).then((rs) => rs[rs.length - 1] ?? { rows: [], fields: [], affectedRows: 0 });
        const shaped = { ...result, rowCount: (result as { rowCount?: number }).rowCount ?? result.affectedRows ?? result.rows.length };
        cb?.(null, shaped);
        return shaped;
      } catch (err) {
        cb?.(err as Error);
        if (cb) return undefined;
        throw err;
      }
    }
  }

  class Pool extends EventEmitter {
    private readonly mutex = new Mutex();
    connect(cb?: (err: Error | null, client?: PGliteClient, release?: (err?: unknown) => void) => void) {
      const run = async () => {
        const db = await open();
        const unlock = await this.mutex.acquire();
        let released = false;
        const release = () => {
          if (!released) {
            released = true;
            unlock();
          }
        };
        return { client: new PGliteClient(db), release };
      };
      const p = run();
      if (cb)
        p.then(
          ({ client, release }) => cb(null, client, release),
          (err) => cb(err as Error),
        );
      return p;
    }
    async query(sql: string, params?: unknown[]) {
      const { client, release } = await this.connect();
      try {
        return await client.query(sql, params);
      } finally {
        release();
      }
    }
    end(cb?: (err: Error | null) => void) {
      const p = shared ? shared.then((db) => db.close()) : Promise.resolve();
      shared = undefined;
      p.then(
        () => cb?.(null),
        (err) => cb?.(err as Error),
      );
      return p;
    }
  }

  return { Pool, open };
}
