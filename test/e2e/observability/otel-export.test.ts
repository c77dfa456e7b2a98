import { startTestApp, wsCollect, type TestApp } from '../../helpers/test-app';
import { startOtlpReceiver, type ReceivedSpan } from '../../helpers/otlp-receiver';

const SUB = `subscription($i: GenerateInput!) { generate(input: $i) {
  __typename
  ... on GenerationStarted { traceId modelId }
  ... on GenerationCompleted { traceId stopReason }
  ... on GenerationFailed { failedTraceId: traceId code } } }`;
const ONCE = `mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status text } }`;

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const traceparent = (trace: string, span: string, flags = '01') => `00-${trace}-${span}-${flags}`;
const EMAIL = 'jane.doe@example.com';

// Starts an app and runs generations in beforeAll: slow on a busy shared machine.
jest.setTimeout(180_000);
describe('OpenTelemetry GenAI export (OTLP/HTTP to a local receiver)', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let t: TestApp;
  let app: string;

  const must = (q: string, v: Record<string, unknown> = {}) => t.mustGql(q, v);
  /** Spans are exported from the finished trace record: write it, let the observer run, flush the exporter. */
  async function flushSpans() {
    await t.app.services.traces.writer.flush();
    await new Promise((r) => setImmediate(r));
    await t.app.spanExporter!.flush();
  }
  async function chatSpanOf(traceId: string): Promise<ReceivedSpan> {
    await flushSpans();
    await receiver.waitFor((spans) => spans.some((s) => s.traceId === traceId && s.name.startsWith('chat ')));
    return receiver.spans.find((s) => s.traceId === traceId && s.name.startsWith('chat '))!;
  }

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    t = await startTestApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
      OTEL_SERVICE_NAME: 'gcp-under-test',
    });
    app = await t.keyFor('APP');
    await must('mutation { createPrompt(input: { name: "otel" }) { id } }');
    await must('mutation { createPromptVersion(input: { prompt: "otel", system: "You are helpful.", modelId: "amazon.nova-lite-v1:0" }) { number } }');
    await must('mutation { promotePromptVersion(input: { prompt: "otel", version: 1, label: "production" }) { promoted } }');
    await must('mutation($p: GuardrailPolicyInput!) { createGuardrailPolicy(input: $p) { id } }', {
      p: { prompts: ['otel'], name: 'otel-anon-email', appliesTo: ['INPUT'], pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] } },
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it("exports a generation over graphql-ws as a chat span tree in the caller's trace (traceparent in connection_init), with the GenAI attributes", async () => {
    const client = t.ws(app, { connectionParams: { traceparent: traceparent(CALLER_TRACE, CALLER_SPAN) } });
    const results = await wsCollect(client, SUB, { i: { prompt: 'otel', cache: 'BYPASS', input: `Mail ${EMAIL} please.\n#reply: Sure, done.` } });
    expect(results.every((r) => !r.errors)).toBe(true);
    expect(results[0]!.extensions?.traceId).toBe(CALLER_TRACE);
    const storedId = results.at(-1)!.data!.generate.traceId as string;

    const chat = await chatSpanOf(CALLER_TRACE);
    expect(chat.name).toBe('chat amazon.nova-lite-v1:0');
    expect(chat.parentSpanId).toBe(CALLER_SPAN);
    expect(chat.kind).toBe(3); // CLIENT
    expect(chat.resource['service.name']).toBe('gcp-under-test');
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.request.model': 'amazon.nova-lite-v1:0',
      'gen_ai.response.model': 'amazon.nova-lite-v1:0',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'genai_cp.trace_id': storedId,
    });
    expect(chat.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(chat.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(chat.attributes['gen_ai.usage.cache_read.input_tokens']).toBe(0);
    expect(chat.attributes['error.type']).toBeUndefined();
    expect(chat.endMs).toBeGreaterThanOrEqual(chat.startMs);

    // Child spans: the pipeline steps, under the chat span, within its time.
    const children = receiver.spans.filter((s) => s.parentSpanId === chat.spanId);
    const names = children.map((s) => s.name);
    for (const step of ['guardrail_input', 'prompt_assembly', 'routing', 'budget_reserve', 'model_call', 'budget_settle']) expect(names).toContain(step);
    for (const c of children) {
      expect(c.traceId).toBe(CALLER_TRACE);
      expect(c.startMs).toBeGreaterThanOrEqual(chat.startMs - 1);
      expect(c.endMs).toBeLessThanOrEqual(chat.endMs + 1);
    }
    expect(children.find((c) => c.name === 'model_call')!.attributes['gen_ai.provider.name']).toBe('aws.bedrock');
    expect(chat.events.map((e) => e.name)).toContain('genai_cp.guardrail_intervention');

    // The stored trace keeps the OTel trace id (a BI row joins the span), and can be found by it.
    const found = await must('query($f: TraceFilter) { traces(filter: $f) { edges { node { id otelTraceId } } } }', { f: { otelTraceId: CALLER_TRACE } });
    expect(found.traces.edges.map((e: { node: unknown }) => e.node)).toEqual([{ id: storedId, otelTraceId: CALLER_TRACE }]);
    // Analytics narrowed to that trace id count that one generation (the rollups keep no trace id: raw rows answer).
    const cost = await must('query($f: TraceFilter) { costBreakdown(filter: $f, groupBy: [MODEL]) { requests } }', { f: { otelTraceId: CALLER_TRACE } });
    expect(cost.costBreakdown).toEqual([{ requests: 1 }]);
  });

  it('with the content opt-in, exports the messages as sent to the model, never what the guardrail anonymized', async () => {
    const trace = 'aaaabbbbccccddddeeeeffff00001111';
    const client = t.ws(app);
    await wsCollect(client, SUB, { i: { prompt: 'otel', cache: 'BYPASS', input: `Reach me at ${EMAIL}.\n#reply: Noted.` } }, { traceparent: traceparent(trace, '1111222233334444') });
    const chat = await chatSpanOf(trace);
    const input = JSON.parse(chat.attributes['gen_ai.input.messages'] as string) as Array<{ role: string; parts: Array<{ content: string }> }>;
    expect(input.at(-1)!.role).toBe('user');
    expect(input.at(-1)!.parts[0]!.content).toContain('Reach me at');
    expect(JSON.parse(chat.attributes['gen_ai.output.messages'] as string)[0].parts[0].content).toBe('Noted.');
    expect(JSON.parse(chat.attributes['gen_ai.system_instructions'] as string)[0].content).toBe('You are helpful.');
    for (const r of receiver.requests) expect(r.body.toString('utf8')).not.toContain(EMAIL);
  });

  it("the operation's extensions win over connection_init; HTTP takes the traceparent header; without one a new trace is started and said in the response", async () => {
    const opTrace = '0123456789abcdef0123456789abcdef';
    const client = t.ws(app, { connectionParams: { traceparent: traceparent(CALLER_TRACE, CALLER_SPAN) } });
    const r = await wsCollect(client, SUB, { i: { prompt: 'otel', cache: 'BYPASS', input: 'Hi' } }, { traceparent: traceparent(opTrace, 'abcdefabcdefabcd') });
    expect(r[0]!.extensions?.traceId).toBe(opTrace);
    expect((await chatSpanOf(opTrace)).parentSpanId).toBe('abcdefabcdefabcd');

    const httpTrace = 'fedcba9876543210fedcba9876543210';
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app}`, traceparent: traceparent(httpTrace, '9999888877776666') },
      body: JSON.stringify({ query: ONCE, variables: { i: { prompt: 'otel', cache: 'BYPASS', input: 'Hello' } } }),
    });
    const body = (await res.json()) as { data: { generateOnce: { status: string } }; extensions: { traceId: string; requestId: string } };
    expect(body.data.generateOnce.status).toBe('COMPLETED');
    expect(body.extensions.traceId).toBe(httpTrace);
    expect(res.headers.get('x-request-id')).toBe(body.extensions.requestId);
    expect((await chatSpanOf(httpTrace)).parentSpanId).toBe('9999888877776666');

    const fresh = await t.gql(ONCE, { i: { prompt: 'otel', cache: 'BYPASS', input: 'Hello again' } }, app);
    const freshTrace = fresh.extensions!.traceId as string;
    expect(freshTrace).toMatch(/^[0-9a-f]{32}$/);
    expect([CALLER_TRACE, opTrace, httpTrace]).not.toContain(freshTrace);
    expect((await chatSpanOf(freshTrace)).parentSpanId).toBe('');
  });

  it('a failed generation carries error.type and an error status; an unsampled caller exports nothing', async () => {
    const trace = '11112222333344445555666677778888';
    const r = await wsCollect(
      t.ws(app),
      SUB,
      { i: { prompt: 'otel', cache: 'BYPASS', input: 'x\n#error: ThrottlingException slow down' } },
      {
        traceparent: traceparent(trace, '2222333344445555'),
      },
    );
    expect(r.at(-1)!.data!.generate.code).toBe('PROVIDER_ERROR');
    const chat = await chatSpanOf(trace);
    expect(chat.attributes['error.type']).toBe('PROVIDER_ERROR');
    expect(chat.status.code).toBe(2); // ERROR

    const unsampled = '99990000999900009999000099990000';
    await wsCollect(t.ws(app), SUB, { i: { prompt: 'otel', cache: 'BYPASS', input: 'quiet' } }, { traceparent: traceparent(unsampled, '3333444455556666', '00') });
    await flushSpans();
    expect(receiver.spans.some((s) => s.traceId === unsampled)).toBe(false);
  });
});

describe('OpenTelemetry export: off by default, protobuf by default when on', () => {
  it('is off without an OTLP endpoint (no exporter is built)', async () => {
    const t = await startTestApp();
    try {
      expect(t.app.spanExporter).toBeNull();
    } finally {
      await t.close();
    }
  });

  it('sends OTLP/HTTP protobuf to <endpoint>/v1/traces when no protocol is set, with OTEL_EXPORTER_OTLP_HEADERS', async () => {
    const receiver = await startOtlpReceiver();
    const t = await startTestApp({ OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/`, OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme%20corp' });
    try {
      const trace = 'abababababababababababababababab';
      const r = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await t.keyFor('APP')}`, traceparent: traceparent(trace, 'cdcdcdcdcdcdcdcd') },
        body: JSON.stringify({ query: ONCE, variables: { i: { prompt: 'missing-prompt', input: 'hi' } } }),
      });
      expect(r.status).toBe(200);
      await t.app.services.traces.writer.flush();
      await new Promise((res) => setImmediate(res));
      await t.app.spanExporter!.flush();
      const req = receiver.requests.find((q) => q.body.includes(Buffer.from(trace, 'hex')));
      expect(req).toBeDefined();
      expect(req!.path).toBe('/v1/traces');
      expect(req!.contentType).toBe('application/x-protobuf');
      expect(req!.headers['x-tenant']).toBe('acme corp');
    } finally {
      await t.close();
      await receiver.close();
    }
  });
});
