import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = path.resolve(__dirname, '../../..');
const script = path.join(repo, 'scripts/build-dashboard.mjs');

/** Runs the dashboard build over a scratch copy; returns its stderr (it says when it built). */
function build(root: string): string {
  const r = spawnSync(process.execPath, [script, '--root', root, '--quiet'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stderr;
}

describe('dashboard build (scripts/build-dashboard.mjs)', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-build-'));
    fs.cpSync(path.join(repo, 'dashboard'), path.join(root, 'dashboard'), { recursive: true, filter: (src) => !src.includes(`${path.sep}dist`) });
    fs.symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('builds both entries once, skips an unchanged tree, and rebuilds when a source changes', () => {
    expect(build(root)).toMatch(/dashboard built/);
    const dist = path.join(root, 'dashboard/dist');
    expect(fs.existsSync(path.join(dist, 'index.html'))).toBe(true);
    expect(fs.existsSync(path.join(dist, 'graphiql.html'))).toBe(true);
    const before = fs.readdirSync(path.join(dist, 'assets')).sort();
    expect(build(root)).toBe('');
    // A change that reaches the bundle: a new hashed file name replaces the old one.
    fs.appendFileSync(path.join(root, 'dashboard/src/style.css'), '\n.changed-by-the-test { color: red; }\n');
    expect(build(root)).toMatch(/dashboard built/);
    const after = fs.readdirSync(path.join(dist, 'assets')).sort();
    expect(after).not.toEqual(before);
    const css = after.find((f) => f.startsWith('dashboard-') && f.endsWith('.css'))!;
    expect(fs.readFileSync(path.join(dist, 'assets', css), 'utf8')).toContain('changed-by-the-test');
  });
});
