import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const script = path.resolve(__dirname, '../../../scripts/build.mjs');

/** Runs the build over a scratch tree; returns its summary line (stderr). Throws with stderr when it fails. */
function buildLog(root: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [script, '--root', root, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stderr;
}

describe('incremental build (scripts/build.mjs)', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'build-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src/a.ts'), 'export const a: number = 1;\n');
    fs.writeFileSync(path.join(root, 'src/b.ts'), "import { a } from './a';\nexport const b = a + 1;\n");
    fs.writeFileSync(path.join(root, 'src/data.json'), '{"x":1}\n');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('compiles everything once, then only what changed, and the output runs', () => {
    expect(buildLog(root)).toMatch(/3 of 3 files compiled/);
    expect(buildLog(root)).toMatch(/0 of 3 files compiled/);
    // An edit that keeps the size still counts (mtime), and so does one that keeps the mtime (size).
    const a = path.join(root, 'src/a.ts');
    const { mtime } = fs.statSync(a);
    fs.writeFileSync(a, 'export const a: number = 41;\n');
    fs.utimesSync(a, mtime, mtime);
    expect(buildLog(root)).toMatch(/1 of 3 files compiled/);
    const out = execFileSync(process.execPath, ['-e', `console.log(require(${JSON.stringify(path.join(root, 'dist/src/b.js'))}).b)`], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('42');
    expect(fs.existsSync(path.join(root, 'dist/src/data.json'))).toBe(true);
  });

  it('removes the output of a deleted source (a stale migration must not run)', () => {
    buildLog(root);
    expect(fs.existsSync(path.join(root, 'dist/src/b.js'))).toBe(true);
    fs.rmSync(path.join(root, 'src/b.ts'));
    expect(buildLog(root)).toMatch(/0 of 2 files compiled, 2 stale removed/);
    expect(fs.existsSync(path.join(root, 'dist/src/b.js'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'dist/src/b.js.map'))).toBe(false);
  });

  it('fails with the file named on a syntax error and compiles it once fixed', () => {
    buildLog(root);
    fs.writeFileSync(path.join(root, 'src/a.ts'), 'export const a = ;\n');
    expect(() => buildLog(root)).toThrow(/src\/a\.ts/);
    fs.writeFileSync(path.join(root, 'src/a.ts'), 'export const a = 2;\n');
    expect(buildLog(root)).toMatch(/1 of 3 files compiled/);
  });

  it('keeps decorator metadata (type-graphql and TypeORM read it)', () => {
    fs.writeFileSync(
      path.join(root, 'src/d.ts'),
      "const seen: unknown[] = [];\nfunction F(): PropertyDecorator { return (t, k) => { seen.push((Reflect as unknown as { getMetadata(k: string, t: object, p: string | symbol): unknown }).getMetadata('design:type', t, k)); }; }\n" +
        'export class C { @F() n!: number; }\nexport { seen };\n',
    );
    buildLog(root);
    const out = execFileSync(process.execPath, ['-e', `require('reflect-metadata'); console.log(require(${JSON.stringify(path.join(root, 'dist/src/d.js'))}).seen[0] === Number)`], {
      encoding: 'utf8',
      cwd: path.resolve(__dirname, '../../..'),
    });
    expect(out.trim()).toBe('true');
  });
});
