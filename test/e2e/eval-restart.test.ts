import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, wsCollect, type TestApp } from '../helpers/test-app';
import { createFreshDatabase } from '../helpers/fresh-database';

const RUN = 'id status doneCount caseCount passedCount resumes error results { position } ';

/**
 * A run that was RUNNING when the process stopped is resumed by the next process on the same data:
 * its finished cases are kept, the rest run, and it ends SUCCEEDED (never left RUNNING).
 */
describe('eval run interrupted by a restart', () => {
  let dir: string;
  let env: Record<string, string>;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eval-restart-'));
    env = { DATA_DIR: dir, EVAL_CONCURRENCY: '2', EVAL_RUN_STALE_SECONDS: '1' };
    if (process.env.DATABASE_URL) {
      const fresh = await createFreshDatabase(process.env.DATABASE_URL);
      env.DATABASE_URL = fresh.url;
      drop = fresh.drop;
    }
  });
  afterAll(async () => {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes the run at the next start and finishes it with every case once', async () => {
    let t: TestApp = await startTestApp(env);
    await t.gql('mutation { createPrompt(input: { name: "slow" }) { id } }');
    await t.gql('mutation { createPromptVersion(input: { prompt: "slow", system: "#reply: Paris" }) { number } }');
    const cases = Array.from({ length: 10 }, (_, i) => ({ input: `#delay-ms: 250\ncase ${i}`, assertions: [{ type: 'contains', value: 'Paris' }] }));
    await t.gql('mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }', { i: { name: 'slow-set', cases } });
    const id = (await t.gql('mutation { runEval(input: { evalSet: "slow-set", prompt: "slow", version: 1 }) { id } }')).data!.runEval.id;
    for (let i = 0; i < 100; i++) {
      const r = (await t.gql(`query($id: ID!) { evalRun(id: $id) { ${RUN} } }`, { id })).data!.evalRun;
      if (r.doneCount >= 2) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    await t.close();

    t = await startTestApp(env);
    try {
      const before = (await t.gql(`query($id: ID!) { evalRun(id: $id) { ${RUN} } }`, { id })).data!.evalRun;
      expect(before.doneCount).toBeGreaterThanOrEqual(2);
      expect(before.doneCount).toBeLessThan(10);
      await wsCollect(t.ws(), 'subscription($id: ID!) { evalRunProgress(id: $id) { status } }', { id });
      const after = (await t.gql(`query($id: ID!) { evalRun(id: $id) { ${RUN} } }`, { id })).data!.evalRun;
      expect(after).toMatchObject({ status: 'SUCCEEDED', doneCount: 10, passedCount: 10, caseCount: 10, resumes: 1, error: null });
      expect(after.results.map((r: { position: number }) => r.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      await t.close();
    }
  });
});
