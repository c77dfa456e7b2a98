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
  h.update(`pglite ${packageVersion('@electric-sql/pglite')} typeorm ${packageVersion('typeorm')}\n`);
  for (const f of fs.readdirSync(MIGRATIONS).sort()) h.update(`${f}\n`).update(fs.readFileSync(path.join(MIGRATIONS, f)));
  return h.digest('hex').slice(0, 16);
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
    const blob = await db.dumpDataDir('none');
    await db.close();
    fs.writeFileSync(path.join(work, 'archive.tar'), Buffer.from(await blob.arrayBuffer()));
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
