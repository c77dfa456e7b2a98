import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import 'reflect-metadata';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { createDataSource } from '../../src/data-source';

/**
 * Migrated databases made once per test run, so a test app starts from them instead of running
 * PGlite's initdb and every migration (about 6.5 s of CPU per embedded database, 1.2–2 s from the archive):
 * - PGlite: an archive of a migrated data folder (PGlite's `dumpDataDir`), cached under
 *   `node_modules/.cache/` by a hash of the migrations and of the PGlite and TypeORM versions, and a
 *   folder unpacked from it for apps on a data folder of their own;
 * - PostgreSQL (DATABASE_URL set): a migrated template database on that server, and each fresh
 *   database is `CREATE DATABASE ... TEMPLATE` it (dropped at the end of the run).
 * The jest global setup makes them and hands them to the workers in environment variables; without
 * them (another runner), every database starts empty and the app migrates it as before.
 * `test/integration/schema/migrations.test.ts` still runs the migrations from an empty database.
 */

const ROOT = path.join(__dirname, '..', '..');
const MIGRATIONS = path.join(ROOT, 'migrations');
/** Path of the PGlite archive (a .tar). */
const PGLITE_ARCHIVE_ENV = 'TEST_PGLITE_SNAPSHOT';
/** Path of a PGlite data folder unpacked from it, to copy. */
const PGLITE_DIR_ENV = 'TEST_PGLITE_SNAPSHOT_DIR';
/** URL of the migrated template database on DATABASE_URL's server. */
const PG_TEMPLATE_ENV = 'TEST_PG_TEMPLATE_URL';

function packageVersion(name: string): string {
  return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** What the migrated database depends on: the migration files and the PGlite and TypeORM versions. */
function snapshotKey(): string {
  const h = createHash('sha256');
  h.update(`pglite ${packageVersion('@electric-sql/pglite')} typeorm ${packageVersion('typeorm')} archive ${ARCHIVE_FORMAT}\n`);
  for (const f of fs.readdirSync(MIGRATIONS).sort()) h.update(`${f}\n`).update(fs.readFileSync(path.join(MIGRATIONS, f)));
  return h.digest('hex').slice(0, 16);
}

/** Bumped when what the archive leaves out changes (see trimPGliteArchive). */
const ARCHIVE_FORMAT = 3;

const TAR_BLOCK = 512;
/** WAL pages are 8 kB: a trimmed segment keeps whole pages. */
const WAL_PAGE = 8192;

/**
 * The archive PGlite dumps, minus what no test app reads, so each app loads ~11 MB instead of ~43 MB
 * (docs/ci.md, "Where CI's time goes"):
 * - the folders of the template databases (`template0`, `template1`, whose oids `keep.templateOids`
 *   holds): an embedded PGlite runs one database and nothing on PGlite creates another, so their files
 *   are never opened; `pg_database` still lists them, as before;
 * - every WAL segment but `keep.walFile`, the one holding the redo point of the checkpoint written
 *   just before the dump (a WAL switch first puts that checkpoint at the start of a fresh segment):
 *   recovery starts there, and a later segment is created when PostgreSQL needs it, as usual;
 * - the zero-filled, never-written tail of that segment: recovery reads records up to the last
 *   written page and takes the end of the file for the end of WAL, and PostgreSQL writes further WAL
 *   into the same file as it would into the zeroes.
 * Reads a ustar archive as PGlite writes it (names up to 100 characters, no prefix).
 */
export function trimPGliteArchive(tar: Buffer, keep: { templateOids: number[]; walFile: string }): Buffer {
  const dropped = keep.templateOids.map((oid) => new RegExp(`^/?base/${oid}(/|$)`));
  const out: Buffer[] = [];
  for (let off = 0; off + TAR_BLOCK <= tar.length;) {
    const header = Buffer.from(tar.subarray(off, off + TAR_BLOCK));
    if (header.every((b) => b === 0)) break;
    const field = (from: number, to: number): string => header.toString('latin1', from, to).replace(/\0.*$/s, '');
    const name = field(0, 100);
    const size = parseInt(field(124, 136).trim() || '0', 8);
    if (field(345, 500)) throw new Error(`PGlite archive: unexpected long name at ${name}`);
    let data = tar.subarray(off + TAR_BLOCK, off + TAR_BLOCK + size);
    off += TAR_BLOCK + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
    if (dropped.some((re) => re.test(name))) continue;
    const wal = /^\/?pg_wal\/([0-9A-F]{24})$/.exec(name);
    if (wal && wal[1] !== keep.walFile) continue;
    if (wal) {
      let end = data.length;
      while (end > 0 && data[end - 1] === 0) end--;
      data = data.subarray(0, Math.ceil(end / WAL_PAGE) * WAL_PAGE);
      header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 12, 'latin1');
      header.fill(0x20, 148, 156);
      const sum = header.reduce((a, b) => a + b, 0);
      header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
    }
    out.push(header, data, Buffer.alloc((TAR_BLOCK - (data.length % TAR_BLOCK)) % TAR_BLOCK));
  }
  out.push(Buffer.alloc(TAR_BLOCK * 2));
  return Buffer.concat(out);
}

async function migrate(opts: { databaseUrl?: string; dataDir: string }): Promise<number> {
  const ds = createDataSource(opts);
  await ds.initialize();
  try {
    return (await ds.runMigrations({ transaction: 'each' })).length;
  } finally {
    await ds.destroy();
  }
}

/** Makes (or finds in the cache) the migrated PGlite archive and its unpacked folder; returns their paths. */
async function preparePGliteSnapshot(): Promise<{ archive: string; dir: string }> {
  const cache = path.join(ROOT, 'node_modules', '.cache', 'genai-cp-tests');
  const key = snapshotKey();
  const archive = path.join(cache, `pglite-${key}.tar`);
  const dir = path.join(cache, `pglite-${key}`);
  if (fs.existsSync(archive) && fs.existsSync(path.join(dir, 'PG_VERSION'))) return { archive, dir };
  fs.mkdirSync(cache, { recursive: true });
  // Built in a folder of its own, then renamed: a run killed half-way leaves no half-made snapshot.
  const work = fs.mkdtempSync(path.join(cache, 'build-'));
  try {
    const data = path.join(work, 'data');
    await migrate({ dataDir: data });
    const db = await PGlite.create({ dataDir: data });
    await db.query('SELECT pg_switch_wal()');
    await db.exec('CHECKPOINT');
    const templates = await db.query<{ oid: number }>('SELECT oid::int AS oid FROM pg_database WHERE datistemplate');
    const redo = await db.query<{ file: string }>('SELECT redo_wal_file AS file FROM pg_control_checkpoint()');
    const blob = await db.dumpDataDir('none');
    await db.close();
    const tar = trimPGliteArchive(Buffer.from(await blob.arrayBuffer()), { templateOids: templates.rows.map((r) => r.oid), walFile: redo.rows[0].file });
    fs.writeFileSync(path.join(work, 'archive.tar'), tar);
    // Another run may have finished the same snapshot meanwhile: then its folder stays.
    if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(data, dir);
    }
    fs.renameSync(path.join(work, 'archive.tar'), archive);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return { archive, dir };
}

/** Runs one statement on the server `serverUrl` points at, on a connection of its own. */
export async function onServer(serverUrl: string, sql: string): Promise<void> {
  const c = new Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/**
 * Jest global setup: the PGlite snapshot (always: a PostgreSQL run has PGlite tests too) and, with
 * DATABASE_URL, a migrated template database on that server. Returns what undoes it (drops the template).
 */
export async function prepareDatabaseSnapshots(): Promise<() => Promise<void>> {
  const started = Date.now();
  const pglite = await preparePGliteSnapshot();
  process.env[PGLITE_ARCHIVE_ENV] = pglite.archive;
  process.env[PGLITE_DIR_ENV] = pglite.dir;
  const serverUrl = process.env.DATABASE_URL;
  let undo = async (): Promise<void> => undefined;
  if (serverUrl) {
    const u = new URL(serverUrl);
    const base = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres';
    const name = `${base.replace(/[^a-z0-9_]/gi, '_').slice(0, 30)}_tpl_${process.pid}_${randomBytes(3).toString('hex')}`.toLowerCase();
    await onServer(serverUrl, `CREATE DATABASE ${name}`);
    u.pathname = `/${name}`;
    try {
      await migrate({ databaseUrl: u.toString(), dataDir: 'memory://' });
    } catch (err) {
      await onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      throw err;
    }
    process.env[PG_TEMPLATE_ENV] = u.toString();
    undo = () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  if (process.env.TEST_LOG_LEVEL) process.stderr.write(`database snapshots ready in ${Date.now() - started} ms\n`);
  return undo;
}

let archive: Promise<Blob> | undefined;

/** The migrated PGlite archive for `loadDataDir` (read once per test file), or undefined outside a run that made one. */
export function pgliteSnapshot(): Promise<Blob> | undefined {
  const file = process.env[PGLITE_ARCHIVE_ENV];
  if (!file) return undefined;
  return (archive ??= fs.promises.readFile(file).then((b) => new Blob([b])));
}

/**
 * Fills an empty PGlite data folder with the migrated snapshot (a copy of the unpacked folder); a
 * folder that already holds a database, or a run without a snapshot, is left as it is.
 */
export function seedPGliteDataDir(dataDir: string): void {
  const from = process.env[PGLITE_DIR_ENV];
  if (!from || fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  fs.mkdirSync(dataDir, { recursive: true });
  fs.cpSync(from, dataDir, { recursive: true });
}

/** The migrated template database to copy for a fresh database on `serverUrl`'s server, if this run made one there. */
export function migratedTemplateFor(serverUrl: string): string | undefined {
  const tpl = process.env[PG_TEMPLATE_ENV];
  if (!tpl) return undefined;
  const a = new URL(tpl);
  const b = new URL(serverUrl);
  if (a.hostname !== b.hostname || a.port !== b.port || a.username !== b.username) return undefined;
  return decodeURIComponent(a.pathname.replace(/^\//, ''));
}
