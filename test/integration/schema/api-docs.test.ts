import fs from 'node:fs';
import path from 'node:path';
import { buildAppSchema } from '../../../src/schema';
import { apiReferenceMarkdown } from '../../../src/graphql/api-reference';

const ROOT = path.join(__dirname, '..', '..', '..');

describe('docs/api-reference.md', () => {
  it('matches the schema the server builds (run `npm run docs:api` after changing the API)', async () => {
    const committed = fs.readFileSync(path.join(ROOT, 'docs', 'api-reference.md'), 'utf8');
    expect(apiReferenceMarkdown(await buildAppSchema())).toBe(committed);
  });

  it('names every operation with its arguments and every type', async () => {
    const md = apiReferenceMarkdown(await buildAppSchema());
    expect(md).toContain('### `subscription generate` → [`GenerateEvent`](#generateevent)!');
    expect(md).toMatch(/- `input`: \[`GenerateInput`\]\(#generateinput\)! — The request\./);
    expect(md).toContain('| `COMPLETED` | The answer was delivered. |');
  });
});

describe('the repository stands on its own', () => {
  /** Text files of the repository a user gets (README, docs, sources, scripts, tests, deploy files). */
  function files(dir: string, out: string[] = []): string[] {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (['node_modules', 'dist', '.git', '.data', 'coverage'].includes(e.name)) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) files(p, out);
      else if (/\.(ts|js|mjs|md|json|yml|yaml)$/.test(e.name) || e.name === 'Dockerfile') out.push(p);
    }
    return out;
  }

  it('refers to nothing outside it (no ../shared)', () => {
    const roots = ['README.md', 'docs', 'src', 'scripts', 'test', 'deploy', 'Dockerfile', 'docker-compose.yml'].map((r) => path.join(ROOT, r));
    const offenders = roots
      .flatMap((r) => (fs.statSync(r).isDirectory() ? files(r) : [r]))
      .filter((f) => f !== __filename && /\.\.\/shared|\/work\/shared/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f));
    expect(offenders).toEqual([]);
  });
});
