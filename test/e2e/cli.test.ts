import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../helpers/test-app';

const ROOT = join(__dirname, '..', '..');
const REGISTER = require.resolve('../helpers/swc-register.js');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a child process (its TypeScript source, compiled by swc), not a TTY. */
function cli(args: string[], env: Record<string, string> = {}, script: string[] = ['-r', REGISTER, MAIN]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...script, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? -1) : 0;
      resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
}

describe('genai-cp CLI', () => {
  let t: TestApp;
  let env: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    t = await startTestApp();
    env = { GENAI_CP_URL: t.url, GENAI_CP_API_KEY: await t.keyFor('CI') };
    dir = mkdtempSync(join(tmpdir(), 'genai-cp-'));
    await t.gql('mutation { createPrompt(input: { name: "support" }) { id } }');
    for (const reply of ['Your order ships today.', 'I cannot help.']) {
      await t.gql('mutation($i: CreatePromptVersionInput!) { createPromptVersion(input: $i) { number } }', { i: { prompt: 'support', system: `#reply: ${reply}` } });
    }
    await t.gql('mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }', {
      i: {
        name: 'support-set',
        cases: [
          { input: 'Where is my order?', assertions: [{ type: 'icontains', value: 'order' }] },
          {
            input: 'When does it ship?',
            assertions: [
              { type: 'contains', value: 'ships' },
              { type: 'max-length', value: 100 },
            ],
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('eval: exit 0 at or above --min-score, with a summary, plain progress lines and a JUnit file', async () => {
    const junit = join(dir, 'good.xml');
    const r = await cli(['eval', '--eval-set', 'support-set', '--prompt', 'support', '--version', '1', '--min-score', '0.9', '--junit', junit], env);
    expect(r.stderr).toMatch(/eval [0-9a-f-]+: 2\/2 cases, score 1\.000, SUCCEEDED/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/score\s+1\.000/);
    expect(r.stdout).toContain('✓ score 1.000 is at least --min-score 0.900');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testsuite name="support-set on support v1" tests="2" failures="0"');
    expect(xml.match(/<testcase /g)).toHaveLength(2);
  });

  it('eval: exit 1 below --min-score, naming the failed cases; --json prints the result', async () => {
    const junit = join(dir, 'bad.xml');
    const r = await cli(['eval', '--eval-set', 'support-set', '--prompt', 'support', '--version', '2', '--min-score', '0.9', '--json', '--junit', junit], env);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ passed: false, run: { status: 'SUCCEEDED', score: 0.25 }, verdict: 'score 0.250 is below --min-score 0.900' });
    expect(out.failedCases).toHaveLength(2);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('failures="2"');
    expect(xml).toContain('<failure message="icontains: output does not contain &quot;order&quot; (ignoring case)"');
  });

  it('promote: exit 0 when the gate allows, 1 when it refuses (with the reason); rollback moves the label back', async () => {
    const runsBefore = (await t.gql('{ evalRuns(evalSet: "support-set") { id } }')).data!.evalRuns.length;
    const ok = await cli(['promote', '--prompt', 'support', '--version', '1', '--label', 'production', '--gate', 'support-set:0.8'], env);
    expect(ok.code).toBe(0);
    // The eval run of the first test (same version, set and model) is reused, not run again.
    expect((await t.gql('{ evalRuns(evalSet: "support-set") { id } }')).data!.evalRuns.length).toBe(runsBefore);
    expect(ok.stdout).toContain('✓ promoted: "production" now points at support v1');
    const refused = await cli(['promote', '--prompt', 'support', '--version', '2', '--label', 'production', '--gate', 'support-set:0.8', '--max-regression', '0.1'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/✗ refused: .*score 0\.250 is below minScore 0\.800/);
    expect(refused.stdout).toContain('failed cases:');
    const plain = await cli(['promote', '--prompt', 'support', '--version', '2', '--label', 'production'], env);
    expect(plain.code).toBe(0);
    const back = await cli(['rollback', '--prompt', 'support', '--label', 'production'], env);
    expect(back.code).toBe(0);
    expect(back.stdout).toContain('"production" now points at v1');
  });

  it('exit 2 with a clear message on usage, connection and server errors', async () => {
    const usage = await cli(['eval', '--eval-set', 'support-set', '--prompt', 'support'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('give exactly one of --version and --label');
    const unknownFlag = await cli(['eval', '--frobnicate'], env);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/Unknown option '--frobnicate'/);
    const noKey = await cli(['rollback', '--prompt', 'support', '--label', 'production'], { GENAI_CP_URL: t.url });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('an API key is required');
    const down = await cli(['rollback', '--prompt', 'support', '--label', 'production'], { ...env, GENAI_CP_URL: 'http://127.0.0.1:9/graphql' });
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('cannot reach http://127.0.0.1:9/graphql');
    const notFound = await cli(['eval', '--eval-set', 'nope', '--prompt', 'support', '--version', '1'], env);
    expect(notFound.code).toBe(2);
    expect(notFound.stderr).toMatch(/NOT_FOUND: EvalSet "nope" not found/);
    const badGate = await cli(['promote', '--prompt', 'support', '--version', '1', '--label', 'x', '--gate', 'support-set:1.5'], env);
    expect(badGate.code).toBe(2);
  });

  it('version: creates a prompt version from a JSON file and prints its number', async () => {
    const file = join(dir, 'prompt.json');
    writeFileSync(file, JSON.stringify({ system: 'You help with {{product}}.\n#reply: Your order ships today.', commitMessage: 'from CI' }));
    const r = await cli(['version', '--prompt', 'support', '--file', file], env);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('3');
    const bad = await cli(['version', '--prompt', 'support', '--file', join(dir, 'missing.json')], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('missing.json');
  });

  it('is installed as the bin genai-cp', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin['genai-cp']).toBe('bin/genai-cp.js');
    const r = await cli(['--help'], {}, [join(ROOT, pkg.bin['genai-cp'])]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('genai-cp eval');
  });
});
