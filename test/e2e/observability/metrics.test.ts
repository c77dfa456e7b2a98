import fs from 'node:fs';
import path from 'node:path';
import { startTestApp, wsCollect, type TestApp } from '../../helpers/test-app';

const SUB = `subscription Whatever123($i: GenerateInput!) { generate(input: $i) {
  __typename ... on GenerationCompleted { traceId } ... on GenerationFailed { code } } }`;

/** The value of one sample of the exposition text, or undefined. Labels must all match (others may be present). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const have = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[2]);
  }
  return undefined;
}

// Starts an app and runs generations in beforeAll: slow on a busy shared machine.
jest.setTimeout(180_000);
describe('/metrics after scripted generations over graphql-ws', () => {
  let t: TestApp;
  let app: string;
  let metrics: string;

  const must = (q: string, v: Record<string, unknown> = {}) => t.mustGql(q, v);

  beforeAll(async () => {
    t = await startTestApp();
    app = await t.keyFor('APP');
    await must('mutation { createPrompt(input: { name: "m" }) { id } }');
    await must('mutation { createPromptVersion(input: { prompt: "m", system: "You are helpful.", modelId: "amazon.nova-lite-v1:0" }) { number } }');
    await must('mutation { promotePromptVersion(input: { prompt: "m", version: 1, label: "production" }) { promoted } }');
    await must('mutation($p: GuardrailPolicyInput!) { createGuardrailPolicy(input: $p) { id } }', {
      p: { prompts: ['m'], name: 'mask-email', appliesTo: ['INPUT'], pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] } },
    });
    const ws = t.ws(app);
    // A generation with a guardrail intervention, a repeat served from the response cache, and a provider error.
    for (const input of ['Write to bob@example.com today.\n#reply: Done, written.', 'Write to bob@example.com today.\n#reply: Done, written.', 'x\n#error: ThrottlingException busy']) {
      const r = await wsCollect(ws, SUB, { i: { prompt: 'm', input } });
      expect(r.every((x) => !x.errors)).toBe(true);
    }
    await t.app.services.traces.writer.flush();
    await new Promise((r) => setImmediate(r));
    metrics = await (await fetch(t.url.replace('/graphql', '/metrics'))).text();
  });
  afterAll(() => t?.close());

  const model = { gen_ai_response_model: 'amazon.nova-lite-v1:0' };

  it('records token usage by gen_ai_token_type, operation duration and time to first token (GenAI conventions)', () => {
    const base = { gen_ai_operation_name: 'chat', gen_ai_provider_name: 'aws.bedrock', gen_ai_request_model: 'amazon.nova-lite-v1:0', ...model };
    expect(sample(metrics, 'gen_ai_client_token_usage_count', { ...base, gen_ai_token_type: 'input' })).toBe(1);
    expect(sample(metrics, 'gen_ai_client_token_usage_sum', { ...base, gen_ai_token_type: 'input' })).toBeGreaterThan(0);
    expect(sample(metrics, 'gen_ai_client_token_usage_sum', { ...base, gen_ai_token_type: 'output' })).toBeGreaterThan(0);
    expect(sample(metrics, 'gen_ai_client_operation_duration_seconds_count', { ...base, error_type: '' })).toBe(2);
    expect(sample(metrics, 'gen_ai_client_operation_duration_seconds_count', { ...base, error_type: 'PROVIDER_ERROR' })).toBe(1);
    expect(sample(metrics, 'gen_ai_server_time_to_first_token_seconds_count', model)).toBe(2);
  });

  it('records cost in USD by model and stage, cache hits and savings, guardrail interventions and provider errors', () => {
    expect(sample(metrics, 'genai_cp_cost_usd_total', { ...model, stage: 'output' })).toBeGreaterThan(0);
    expect(sample(metrics, 'genai_cp_cost_usd_total', { ...model, stage: 'system' })).toBeGreaterThan(0);
    expect(sample(metrics, 'genai_cp_response_cache_lookups_total', { result: 'miss' })).toBe(2);
    expect(sample(metrics, 'genai_cp_response_cache_lookups_total', { result: 'exact' })).toBe(1);
    expect(sample(metrics, 'genai_cp_response_cache_saved_usd_total')).toBeGreaterThan(0);
    expect(sample(metrics, 'genai_cp_guardrail_interventions_total', { policy: 'mask-email', kind: 'PII', direction: 'INPUT', action: 'ANONYMIZED' })).toBe(2);
    expect(sample(metrics, 'genai_cp_provider_errors_total', { gen_ai_request_model: 'amazon.nova-lite-v1:0', error_type: 'ThrottlingException' })).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'genai_cp_generations_total', { status: 'FAILED', error_code: 'PROVIDER_ERROR' })).toBe(1);
  });

  it('counts graphql-ws and HTTP operations by their root field, never the client-chosen operation name', async () => {
    expect(sample(metrics, 'graphql_server_operations_total', { transport: 'ws', operation_type: 'subscription', operation_name: 'generate', outcome: 'ok' })).toBe(3);
    expect(sample(metrics, 'graphql_server_operation_duration_seconds_count', { transport: 'ws', operation_name: 'generate' })).toBe(3);
    expect(sample(metrics, 'graphql_server_operations_total', { transport: 'http', operation_type: 'mutation', operation_name: 'createPrompt' })).toBe(1);
    expect(metrics).not.toContain('Whatever123');
    await t.gql('query MyOwnName_42 { __typename }');
    await t.gql('{ nope }');
    const after = await (await fetch(t.url.replace('/graphql', '/metrics'))).text();
    expect(after).not.toContain('MyOwnName_42');
    expect(sample(after, 'graphql_server_operations_total', { transport: 'http', operation_name: 'nope', outcome: 'error', error_code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
  });

  it('has build info, the trace queue depth and a hook for other queues', async () => {
    expect(sample(metrics, 'genai_cp_build_info', { version: '0.1.0' })).toBe(1);
    expect(sample(metrics, 'genai_cp_queue_depth', { queue: 'traces' })).toBe(0);
    expect(sample(metrics, 'genai_cp_queue_depth', { queue: 'eval' })).toBe(0);
    t.app.metrics.queues.register('trace_spool', async () => 7);
    const after = await (await fetch(t.url.replace('/graphql', '/metrics'))).text();
    expect(sample(after, 'genai_cp_queue_depth', { queue: 'trace_spool' })).toBe(7);
  });

  it('labels a model outside the catalog as other', () => {
    t.app.metrics.recordGeneration({ id: 'x', status: 'FAILED', errorCode: 'BAD_USER_INPUT', modelId: 'made-up-model-9', latencyMs: 1 });
    return t.app.metrics.registry.metrics().then((text) => {
      expect(text).not.toContain('made-up-model-9');
      expect(sample(text, 'gen_ai_client_operation_duration_seconds_count', { gen_ai_response_model: 'other', error_type: 'BAD_USER_INPUT' })).toBe(1);
    });
  });
});

describe('docs/grafana-dashboard.json', () => {
  it('queries only metrics the service exposes', async () => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../docs/grafana-dashboard.json'), 'utf8')) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const t = await startTestApp();
    try {
      const text = await t.app.metrics.registry.metrics();
      const exposed = new Set([...text.matchAll(/^# TYPE (\S+) (\w+)/gm)].map((m) => m[1]));
      const used = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((x) => [...x.expr.matchAll(/\b((?:gen_ai|genai_cp|graphql_server|trace_writer)_\w+)\{/g)].map((m) => m[1]!))));
      expect(used.size).toBeGreaterThan(10);
      const missing = [...used].filter((name) => ![name, name.replace(/_(bucket|sum|count)$/, '')].some((n) => exposed.has(n)));
      expect(missing).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
