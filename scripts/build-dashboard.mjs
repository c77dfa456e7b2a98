/**
 * Builds the dashboard (dashboard/ → dashboard/dist, Vite) when its inputs changed: a hash of every
 * file under dashboard/ (but dist/), of the lockfile and of this script is kept in
 * dashboard/dist/.build-stamp, so a start with no change costs a directory walk and a hash.
 *
 * Used by scripts/build.mjs (`npm run build`, `npm start`'s prestart) and by the browser tests.
 * Usage alone: node scripts/build-dashboard.mjs [--force] [--quiet] [--root <dir>]
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every input file of the dashboard build, sorted (relative to the repository). */
function inputs(root) {
  const out = [];
  const walk = (rel) => {
    const abs = path.join(root, rel);
    const st = fs.statSync(abs);
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(abs).sort()) if (name !== 'dist' && name !== 'node_modules') walk(path.join(rel, name));
    } else out.push(rel);
  };
  walk('dashboard');
  for (const f of ['package-lock.json', 'scripts/build-dashboard.mjs']) if (fs.existsSync(path.join(root, f))) out.push(f);
  return out;
}

/**
 * Builds dashboard/dist unless its stamp matches the inputs. Resolves with whether it built.
 * @param {{ root?: string, force?: boolean, quiet?: boolean }} [o]
 */
export async function buildDashboard(o = {}) {
  const root = o.root ?? repo;
  if (!fs.existsSync(path.join(root, 'dashboard', 'index.html'))) return false;
  const hash = crypto.createHash('sha256');
  for (const rel of inputs(root))
    hash
      .update(rel)
      .update('\0')
      .update(fs.readFileSync(path.join(root, rel)))
      .update('\0');
  const stamp = hash.digest('hex');
  const outDir = path.join(root, 'dashboard', 'dist');
  const stampFile = path.join(outDir, '.build-stamp');
  if (!o.force && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) return false;
  const t0 = performance.now();
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'dashboard', 'vite.config.mjs'), logLevel: o.quiet ? 'error' : 'warn' });
  fs.writeFileSync(stampFile, stamp);
  process.stderr.write(`build: dashboard built in ${Math.round(performance.now() - t0)} ms\n`);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const root = argv.includes('--root') ? path.resolve(argv[argv.indexOf('--root') + 1]) : undefined;
  await buildDashboard({ root, force: argv.includes('--force'), quiet: argv.includes('--quiet') });
}
