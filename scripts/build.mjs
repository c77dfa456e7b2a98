#!/usr/bin/env node
/**
 * Incremental build: compiles each TypeScript file whose output is missing or older than its
 * source with swc (the options jest uses: legacy decorators with metadata, CommonJS), copies JSON
 * files, and deletes outputs whose source is gone (a stale migration in dist/ would still run).
 * A restart with no change costs a directory walk. Type checks are `npm run typecheck` (tsc --noEmit):
 * swc strips types without checking them.
 *
 * Then builds the dashboard (dashboard/ → dashboard/dist with Vite) when its sources changed
 * (scripts/build-dashboard.mjs).
 *
 * Usage: node scripts/build.mjs [--clean] [--quiet] [--root <dir>] [--out <dir>]
 * (`--root` and `--out` default to the repository and its dist/; the tests build a scratch tree.)
 */
import fs from 'node:fs';
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { transformFile } from '@swc/core';
import { buildDashboard } from './build-dashboard.mjs';

const argv = process.argv.slice(2);
const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const root = path.resolve(option('--root') ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const outDir = path.resolve(option('--out') ?? path.join(root, 'dist'));
/** What tsconfig.build.json includes. */
const inputs = ['src', 'scripts', 'migrations', 'ormconfig.ts', 'test/bench', 'test/helpers'];

const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: true,
  swcrc: false,
  configFile: false,
};

const args = new Set(argv);
const quiet = args.has('--quiet');
const t0 = performance.now();

// A change of the compiler options, of swc's version or of this script rebuilds everything.
const swcVersion = createRequire(import.meta.url)('@swc/core/package.json').version;
const stamp = crypto
  .createHash('sha256')
  .update(JSON.stringify(swcOptions) + swcVersion + fs.readFileSync(fileURLToPath(import.meta.url)))
  .digest('hex');
const stampFile = path.join(outDir, '.build-stamp');
const fresh = args.has('--clean') || !fs.existsSync(stampFile) || fs.readFileSync(stampFile, 'utf8') !== stamp;
if (fresh) fs.rmSync(outDir, { recursive: true, force: true });

/** Source files (relative to root) of the build. */
function walk(rel, out) {
  const abs = path.join(root, rel);
  let st;
  try {
    st = fs.statSync(abs);
  } catch {
    return out;
  }
  if (st.isDirectory()) {
    for (const name of fs.readdirSync(abs)) if (name !== 'node_modules') walk(path.join(rel, name), out);
  } else if ((rel.endsWith('.ts') && !rel.endsWith('.d.ts') && !rel.endsWith('.test.ts')) || rel.endsWith('.json')) {
    out.push({ rel, version: `${st.mtimeMs}:${st.size}` });
  }
  return out;
}
const sources = inputs.flatMap((i) => walk(i, []));
const outputOf = (rel) => path.join(outDir, rel.endsWith('.ts') ? rel.replace(/\.ts$/, '.js') : rel);

// The manifest records each source's mtime and size as of its last compile: any difference (an edit,
// a checkout, a file restored with an older date) recompiles it.
const manifestFile = path.join(outDir, '.build-manifest.json');
let manifest = {};
try {
  manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
} catch {
  // first build
}
const expected = new Set([stampFile, manifestFile]);
const todo = [];
for (const s of sources) {
  const out = outputOf(s.rel);
  expected.add(out);
  if (out.endsWith('.js')) expected.add(`${out}.map`);
  if (manifest[s.rel] !== s.version || !fs.existsSync(out)) todo.push(s);
}

/** Outputs whose source was deleted or renamed. */
function prune(dir) {
  let removed = 0;
  for (const ent of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
    const abs = path.join(dir, ent.name);
    if (ent.isDirectory()) {
      removed += prune(abs);
      if (!fs.readdirSync(abs).length) fs.rmdirSync(abs);
    } else if (!expected.has(abs)) {
      fs.rmSync(abs);
      removed++;
    }
  }
  return removed;
}
const removed = prune(outDir);

let failed = 0;
async function compile({ rel, version }) {
  const src = path.join(root, rel);
  const out = outputOf(rel);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  if (rel.endsWith('.json')) {
    fs.copyFileSync(src, out);
    manifest[rel] = version;
    return;
  }
  try {
    const { code, map } = await transformFile(src, { ...swcOptions, filename: src, sourceFileName: path.relative(path.dirname(out), src) });
    fs.writeFileSync(`${out}.map`, map ?? '');
    fs.writeFileSync(out, `${code}\n//# sourceMappingURL=${path.basename(out)}.map\n`);
    manifest[rel] = version;
  } catch (err) {
    failed++;
    process.stderr.write(`${rel}: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}
// swc's transformFile runs on its own thread pool: a few at a time keeps both cores busy.
const queue = [...todo];
await Promise.all(
  Array.from({ length: 8 }, async () => {
    for (let s = queue.shift(); s; s = queue.shift()) await compile(s);
  }),
);
fs.mkdirSync(outDir, { recursive: true });
const present = new Set(sources.map((s) => s.rel));
for (const rel of Object.keys(manifest)) if (!present.has(rel)) delete manifest[rel];
fs.writeFileSync(manifestFile, JSON.stringify(manifest));
fs.writeFileSync(stampFile, stamp);
if (failed) process.exit(1);
await buildDashboard({ root, force: args.has('--clean'), quiet });
if (!quiet || todo.length || removed) {
  const ms = Math.round(performance.now() - t0);
  process.stderr.write(`build: ${todo.length} of ${sources.length} files compiled, ${removed} stale removed, ${ms} ms\n`);
}
