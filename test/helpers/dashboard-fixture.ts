import type { DataSource } from 'typeorm';
import { seedTraces } from '../../scripts/seed-traces';

/** What the dashboard tests (and the screenshot script) need from a running app. */
export interface FixtureApp {
  gql(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<{ data?: Record<string, any> | null; errors?: unknown[] }>;
  dataSource: DataSource;
  flush(): Promise<void>;
  /** Runs one tick of the alert scheduler (evaluates every enabled rule now). */
  tickAlerts(): Promise<unknown>;
}

export interface DashboardFixture {
  /** Traces of real generations (spans, assembled prompt, output). */
  traceIds: string[];
  prompt: string;
  evalSet: string;
}

async function must(app: FixtureApp, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const r = await app.gql(query, variables);
  if (r.errors || !r.data) throw new Error(JSON.stringify(r.errors));
  return r.data;
}

async function waitRun(app: FixtureApp, id: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const d = await must(app, 'query($id: ID!) { evalRun(id: $id) { status error } }', { id });
    if (!['QUEUED', 'RUNNING'].includes(d.evalRun.status)) {
      if (d.evalRun.status !== 'SUCCEEDED') throw new Error(`eval run ${id}: ${d.evalRun.status} ${d.evalRun.error}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`eval run ${id} did not finish`);
}

/**
 * Seeds what every dashboard page shows: `synthetic` traces over the last two days (so the
 * overview's previous period has data), a prompt with two versions and an eval run of each, the
 * production label moved from v1 to v2, a few real generations (spans, guardrail findings), a PII
 * guardrail policy and two alert rules, one of which has fired.
 */
export async function seedDashboard(app: FixtureApp, o: { synthetic?: number } = {}): Promise<DashboardFixture> {
  const prompt = 'support';
  const evalSet = 'support-set';
  await seedTraces(app.dataSource, { count: o.synthetic ?? 400, days: 2, seed: 7 });
  await must(app, 'mutation { createPrompt(input: { name: "support", description: "Customer support answers" }) { id } }');
  await must(app, `mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }`, {
    i: {
      name: evalSet,
      cases: [
        { input: 'How do I reset my password?', assertions: [{ type: 'icontains', value: 'settings' }] },
        { input: 'Where is my invoice?', assertions: [{ type: 'icontains', value: 'billing' }] },
      ],
    },
  });
  const replies = ['Open settings and choose Reset.', 'Open settings; invoices are under billing.'];
  for (const [i, reply] of replies.entries()) {
    await must(app, 'mutation($i: CreatePromptVersionInput!) { createPromptVersion(input: $i) { number } }', {
      i: { prompt, system: `You answer support questions briefly.${i ? ' Mention where to click.' : ''}\n#reply: ${reply}`, commitMessage: i ? 'Say where to click' : 'First version' },
    });
    const run = await must(app, 'mutation($i: RunEvalInput!) { runEval(input: $i) { id } }', { i: { evalSet, prompt, version: i + 1 } });
    await waitRun(app, run.runEval.id);
    await must(app, 'mutation($i: PromoteInput!) { promotePromptVersion(input: $i) { promoted } }', { i: { prompt, version: i + 1, label: 'production' } });
  }
  await must(app, `mutation($i: GuardrailPolicyInput!) { createGuardrailPolicy(input: $i) { id } }`, {
    i: { name: 'pii', enabled: true, prompts: [prompt], pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] } },
  });
  const traceIds: string[] = [];
  for (const input of ['How do I reset my password? Mail me at jane.doe@example.com', 'Where is my invoice?', 'Can I change my plan?']) {
    const d = await must(app, `mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId } }`, { i: { prompt, label: 'production', input, cache: 'BYPASS', user: 'user-42', tags: ['web'] } });
    traceIds.push(d.generateOnce.traceId);
  }
  await must(app, 'mutation($i: AlertRuleInput!) { createAlertRule(input: $i) { id } }', {
    i: { name: 'p95 over 2 s', metric: 'p95_latency', window: '1h', condition: { above: 2000 } },
  });
  await app.flush();
  // A rule that fires on the first tick: the overview's "alerts fired" and the alerts page show its event.
  await must(app, 'mutation($i: AlertRuleInput!) { createAlertRule(input: $i) { id } }', {
    i: { name: 'any spend on support', metric: 'cost', window: '1h', condition: { above: 0, prompt } },
  });
  await app.tickAlerts();
  return { traceIds, prompt, evalSet };
}
