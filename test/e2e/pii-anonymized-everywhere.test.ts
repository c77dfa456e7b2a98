import { createLogger } from '../../src/observability/logger';
import { startTestApp, wsCollect, type TestApp } from '../helpers/test-app';

/**
 * Issue 12, "anonymized means anonymized everywhere", for the conversation history and eval runs:
 * entities in history turns are anonymized like the input (the model receives placeholders), and
 * no stored or logged record of the request holds a raw entity: the whole trace row, its guardrail
 * events, the response cache entry, the log lines and the eval result row are searched for it.
 */

const SUB = `subscription($i: GenerateInput!) { generate(input: $i) {
  __typename
  ... on GuardrailIntervened { direction action policy findings { kind name action match start end source } }
  ... on TextDelta { text }
  ... on GenerationCompleted { traceId }
  ... on GenerationFailed { failedTraceId: traceId code } } }`;
const TRACE = `query($id: ID!) { trace(id: $id) { id request assembledPrompt output guardrailEvents spans { name attributes } } }`;

const EMAIL = 'tevita.havili@corp.example';
const PHONE = '+44 20 7946 0958';
const OTHER_EMAIL = 'ngozi.obi@corp.example';
const RAW = [EMAIL, PHONE, OTHER_EMAIL, 'tevita.havili', 'ngozi.obi', '7946 0958'];

type Ev = Record<string, any>;

/** Every string reachable from a value (Maps, Sets, LRU caches through `dump()`, class instances), joined. */
function allStrings(root: unknown): string {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number): void => {
    if (typeof v === 'string') {
      out.push(v);
      return;
    }
    if (v === null || typeof v !== 'object' || seen.has(v) || depth > 12) return;
    seen.add(v);
    const dump = (v as { dump?: () => unknown }).dump;
    if (typeof dump === 'function') walk(dump.call(v), depth + 1);
    if (v instanceof Map) for (const entry of v) walk(entry, depth + 1);
    else if (v instanceof Set || Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(root, 0);
  return out.join('\n');
}

function expectNoRaw(haystack: string, where: string): void {
  for (const raw of RAW) expect({ where, leaked: haystack.includes(raw) ? raw : null }).toEqual({ where, leaked: null });
}

describe('anonymized everywhere: conversation history, response cache, logs and eval results', () => {
  let t: TestApp;
  let app: string;
  let analyst: string;
  const logLines: string[] = [];

  async function must(q: string, v: Record<string, unknown> = {}, key?: string) {
    const r = await t.gql(q, v, key);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!;
  }
  async function promptWith(name: string, system: string) {
    await must('mutation($n: String!) { createPrompt(input: { name: $n }) { id } }', { n: name });
    await must('mutation($n: String!, $s: String!) { createPromptVersion(input: { prompt: $n, system: $s, modelId: "amazon.nova-lite-v1:0" }) { number } }', { n: name, s: system });
    await must('mutation($n: String!) { promotePromptVersion(input: { prompt: $n, version: 1, label: "production" }) { promoted } }', { n: name });
    await must('mutation($p: GuardrailPolicyInput!) { createGuardrailPolicy(input: $p) { id } }', {
      p: {
        name: `${name}-pii`,
        prompts: [name],
        appliesTo: ['INPUT'],
        pii: { entities: ['EMAIL', 'PHONE'].map((type) => ({ type, action: 'ANONYMIZE' })) },
      },
    });
  }

  beforeAll(async () => {
    const destination = { write: (line: string) => void logLines.push(line) };
    t = await startTestApp({ LOG_LEVEL: 'debug' }, { logger: createLogger('debug', { format: 'json', destination }) });
    app = await t.keyFor('APP');
    analyst = await t.keyFor('ANALYST');
    await promptWith('hist', 'You are a support agent.');
    // The model "knows" the address from elsewhere and says it: the trace and the eval result must not keep it.
    await promptWith('echo', `You are a support agent.\n#reply: I have ${EMAIL} on file for you.`);
  });
  afterAll(() => t?.close());

  it('history turns are anonymized like the input: the model receives placeholders; trace row, events, cache entry and logs hold no raw entity', async () => {
    const messages = [
      { role: 'USER', content: `Hi, you can reach me at ${EMAIL} or on ${PHONE}.` },
      { role: 'ASSISTANT', content: `Thanks, I noted ${EMAIL} as your contact address.` },
    ];
    const results = await wsCollect(t.ws(app), SUB, { i: { prompt: 'hist', cache: 'DEFAULT', messages, input: `Please also copy ${OTHER_EMAIL}.\n#reply: Done.` } });
    for (const r of results) expect(r.errors).toBeUndefined();
    const events = results.map((r) => r.data!.generate as Ev);
    expect(events.at(-1)!.__typename).toBe('GenerationCompleted');
    // One event per anonymized text, the history turns named as their source; findings masked.
    const findings = events.filter((e) => e.__typename === 'GuardrailIntervened').flatMap((e) => e.findings as Ev[]);
    expect(findings.map((f) => `${f.source}:${f.name}`).sort()).toEqual(['history:0:EMAIL', 'history:0:PHONE', 'history:1:EMAIL', 'input:EMAIL']);
    for (const f of findings) expect(f.match).toBe(`{${f.name}}`);
    expectNoRaw(JSON.stringify(events), 'client events');

    const traceId = events.at(-1)!.traceId as string;
    await t.app.services.traces.writer.flush();
    const graph = (await must(TRACE, { id: traceId }, analyst)).trace;
    // What the model received (the assembled prompt) has the placeholders in the history turns.
    const sent = JSON.stringify(graph.assembledPrompt);
    expect(sent).toContain('you can reach me at {EMAIL} or on {PHONE}');
    expect(sent).toContain('I noted {EMAIL} as your contact address');
    expectNoRaw(JSON.stringify(graph), 'trace via GraphQL');
    const row = await t.app.dataSource.query('SELECT * FROM traces WHERE id = $1', [traceId]);
    expect(row).toHaveLength(1);
    expectNoRaw(JSON.stringify(row), 'stored trace row');

    // The response cache: keyed and filled with anonymized text only; the same request with other
    // addresses in the history is a hit.
    expectNoRaw(allStrings(t.app.services.generation), 'response cache and pipeline state');
    const again = await wsCollect(t.ws(app), SUB, {
      i: {
        prompt: 'hist',
        cache: 'DEFAULT',
        messages: [
          { role: 'USER', content: 'Hi, you can reach me at someone.else@corp.example or on +44 20 7946 0123.' },
          { role: 'ASSISTANT', content: 'Thanks, I noted someone.else@corp.example as your contact address.' },
        ],
        input: `Please also copy third.person@corp.example.\n#reply: Done.`,
      },
    });
    const againId = (again.at(-1)!.data!.generate as Ev).traceId as string;
    await t.app.services.traces.writer.flush();
    const [cached] = await t.app.dataSource.query('SELECT cached FROM traces WHERE id = $1', [againId]);
    expect(cached.cached).toBe(true);

    expect(logLines.length).toBeGreaterThan(0);
    expectNoRaw(logLines.join(''), 'log lines');
  });

  it('TRACE_RAW_PII=false: what the model said that the input policy protects is scrubbed from the trace and from the eval result row', async () => {
    await must(
      'mutation($i: EvalSetInput!) { createEvalSet(input: $i) { id } }',
      {
        i: {
          name: 'pii-cases',
          cases: [
            {
              messages: [{ role: 'USER', content: `My address is ${EMAIL}, phone ${PHONE}.` }],
              input: 'Which address do you have for me?',
              assertions: [{ type: 'contains', value: 'on file' }],
            },
          ],
        },
      },
      await t.keyFor('ADMIN'),
    );
    const ci = await t.keyFor('CI');
    const started = await must('mutation($input: RunEvalInput!) { runEval(input: $input) { id } }', { input: { evalSet: 'pii-cases', prompt: 'echo', version: 1 } }, ci);
    const runId = started.runEval.id as string;
    await wsCollect(t.ws(ci), 'subscription($id: ID!) { evalRunProgress(id: $id) { status } }', { id: runId });
    const run = (await must('query($id: ID!) { evalRun(id: $id) { status results { output passed traceId error } } }', { id: runId }, ci)).evalRun;
    expect(run.status).toBe('SUCCEEDED');
    expect(run.results[0]).toMatchObject({ output: 'I have {EMAIL} on file for you.', passed: true, error: null });
    const rows = await t.app.dataSource.query('SELECT * FROM eval_results WHERE run_id = $1', [runId]).catch(() => t.app.dataSource.query('SELECT * FROM eval_results'));
    expect(rows.length).toBeGreaterThan(0);
    expectNoRaw(JSON.stringify(rows), 'eval result rows');
    await t.app.services.traces.writer.flush();
    const trace = await t.app.dataSource.query('SELECT * FROM traces WHERE id = $1', [run.results[0].traceId]);
    expectNoRaw(JSON.stringify(trace), 'the eval case trace row');
  });
});

describe('TRACE_RAW_PII=true: the model still receives placeholders for history entities', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TRACE_RAW_PII: 'true' });
  });
  afterAll(() => t?.close());

  it('the raw request is kept for forensics, the assembled prompt (what the model got) has the placeholders', async () => {
    await t.gql('mutation { createPrompt(input: { name: "raw" }) { id } }');
    await t.gql('mutation { createPromptVersion(input: { prompt: "raw", system: "You help.", modelId: "amazon.nova-lite-v1:0" }) { number } }');
    await t.gql('mutation { promotePromptVersion(input: { prompt: "raw", version: 1, label: "production" }) { promoted } }');
    await t.gql('mutation($p: GuardrailPolicyInput!) { createGuardrailPolicy(input: $p) { id } }', {
      p: { name: 'raw-pii', prompts: ['raw'], appliesTo: ['INPUT'], pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] } },
    });
    const results = await wsCollect(t.ws(await t.keyFor('APP')), SUB, {
      i: { prompt: 'raw', cache: 'BYPASS', messages: [{ role: 'USER', content: `Write to ${EMAIL} please.` }], input: 'Thanks!\n#reply: Sure.' },
    });
    const id = (results.at(-1)!.data!.generate as Ev).traceId as string;
    await t.app.services.traces.writer.flush();
    const [row] = await t.app.dataSource.query('SELECT * FROM traces WHERE id = $1', [id]);
    const stored = JSON.stringify(row);
    expect(stored).toContain(EMAIL); // the opt-in keeps the raw request
    const prompt = JSON.stringify((await t.gql(TRACE, { id }, await t.keyFor('ANALYST'))).data!.trace.assembledPrompt);
    expect(prompt).toContain('Write to {EMAIL} please.');
    expect(prompt).not.toContain(EMAIL);
  });
});
