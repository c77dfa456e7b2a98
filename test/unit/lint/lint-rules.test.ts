import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** Runs the project's ESLint (its config, no ignores) on files; the exit status and the report. */
function eslint(args: string[], stdin?: string): { status: number | null; out: string } {
  const root = path.join(__dirname, '..', '..', '..');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--no-ignore', ...args], { cwd: root, input: stdin, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('npm run lint rules', () => {
  it('fails on an import cycle', () => {
    const r = eslint(['test/fixtures/lint-cycle/a.ts', 'test/fixtures/lint-cycle/b.ts']);
    expect(r.status).toBe(1);
    expect(r.out).toContain('import-x/no-cycle');
  });

  it('fails when a low layer (graphql/) imports a feature', () => {
    const r = eslint(['--stdin', '--stdin-filename', 'src/graphql/upward.ts'], "import { BudgetService } from '../budgets';\nexport const s = BudgetService;\n");
    expect(r.status).toBe(1);
    expect(r.out).toContain('import-x/no-restricted-paths');
  });

  it('passes a feature importing a low layer', () => {
    const r = eslint(['--stdin', '--stdin-filename', 'src/budgets/ok.ts'], "import { NotFoundError } from '../graphql/errors';\nexport const e = NotFoundError;\n");
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });
});
