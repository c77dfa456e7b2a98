import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { fmt, printTable, summarize } from './stats';
import { MODEL, REPLY, round, SYSTEM, type Sample } from './generate-clients';
import { parseGenerateInput, type GenerateInput, type GenerationPipeline } from '../../src/generate';

/** One generation through the pipeline in process (no GraphQL transport). */
async function inProcess(pipeline: GenerationPipeline, input: string, caller: { apiKeyId: string; apiKeyName: string }): Promise<Sample> {
  const t0 = performance.now();
  let ttft = NaN;
  const req = parseGenerateInput({ prompt: 'bench', input, cache: 'BYPASS', user: 'bench-user' } as GenerateInput);
  for await (const ev of pipeline.run(req, caller)) {
    if (ev.__typename === 'TextDelta' && Number.isNaN(ttft)) ttft = performance.now() - t0;
    if (ev.__typename === 'GenerationFailed') throw new Error(`${ev.code}: ${ev.message}`);
  }
  return { ttft, total: performance.now() - t0 };
}

/** The bench prompt, a routing rule that does not match, and an input and output PII policy. */
async function setup(t: TestApp): Promise<void> {
  const must = async (q: string, v?: Record<string, unknown>) => {
    const r = await t.gql(q, v);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
  };
  await must('mutation { createPrompt(input: { name: "bench" }) { id } }');
  await must('mutation($s: String!, $m: String!) { createPromptVersion(input: { prompt: "bench", system: $s, modelId: $m }) { number } }', { s: SYSTEM, m: MODEL });
  await must('mutation { promotePromptVersion(input: { prompt: "bench", version: 1, label: "production" }) { promoted } }');
  await must(`mutation { createRoutingRule(input: { name: "long", priority: 1, condition: { minInputTokens: 100000 }, targetModelId: "amazon.nova-pro-v1:0" }) { id } }`);
  await must(
    `mutation { createGuardrailPolicy(input: { name: "pii", appliesTo: [INPUT, OUTPUT], pii: { entities: [{ type: "EMAIL", action: "ANONYMIZE" }, { type: "CREDIT_DEBIT_CARD_NUMBER", action: "BLOCK" }] } }) { id } }`,
  );
}

/** An OTLP/HTTP endpoint that counts what it receives and throws it away (a collector that keeps up). */
async function sink() {
  let requests = 0;
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    stats: () => ({ requests, bytes }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * The cost of the OpenTelemetry export: the same in-process generation through three apps, export
 * off (the default), on (OTLP/HTTP protobuf to a local sink), and on with message content captured,
 * interleaved round by round. The spans are built by an observer a turn after the trace is recorded,
 * so the client's TTFT should not move; what it costs shows as CPU per generation and as total time
 * under load. Figures are p50/p99 per candidate and the ratio to "off".
 */
export async function benchOtelExport(opts: { iterations?: number } = {}): Promise<Array<Record<string, string | number>>> {
  const iterations = opts.iterations ?? 300;
  const collector = await sink();
  const apps: Array<[string, TestApp]> = [];
  try {
    apps.push(['off', await startTestApp({ LOG_LEVEL: 'silent' })]);
    apps.push(['on', await startTestApp({ LOG_LEVEL: 'silent', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url })]);
    apps.push(['on + content', await startTestApp({ LOG_LEVEL: 'silent', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' })]);
    for (const [, t] of apps) await setup(t);
    const input = `Where is Paris?\n#reply: ${REPLY}`;
    const caller = { apiKeyId: 'bench', apiKeyName: 'bench' };
    const run = (t: TestApp) => () => inProcess(t.app.services.generation, input, caller);
    for (let i = 0; i < 30; i++) for (const [, t] of apps) await run(t)();

    const rows: Array<Record<string, string | number>> = [];
    for (const [concurrency, rounds] of [
      [1, iterations],
      [100, Math.max(3, Math.round(iterations / 50))],
    ] as const) {
      const samples = new Map<string, Sample[]>(apps.map(([name]) => [name, []]));
      const cpu = new Map<string, number>(apps.map(([name]) => [name, 0]));
      const wall = new Map<string, number>(apps.map(([name]) => [name, 0]));
      for (let r = 0; r < rounds; r++) {
        for (const [name, t] of apps) {
          const c0 = process.cpuUsage();
          const w0 = performance.now();
          samples.get(name)!.push(...(await round(concurrency, 1, run(t))));
          // Let the observers of this round run, so their CPU is counted on their side.
          await new Promise((res) => setImmediate(res));
          wall.set(name, wall.get(name)! + performance.now() - w0);
          const c = process.cpuUsage(c0);
          cpu.set(name, cpu.get(name)! + (c.user + c.system) / 1000);
        }
      }
      const base = samples.get('off')!;
      const n = rounds * concurrency;
      for (const [name] of apps) {
        const s = samples.get(name)!;
        const ttft = summarize(s.map((x) => x.ttft));
        const total = summarize(s.map((x) => x.total));
        const b = { ttft: summarize(base.map((x) => x.ttft)), total: summarize(base.map((x) => x.total)) };
        rows.push({
          concurrency,
          export: name,
          n: s.length,
          'ttft p50': fmt(ttft.p50),
          'ttft p99': fmt(ttft.p99),
          'total p50': fmt(total.p50),
          'total p99': fmt(total.p99),
          'total p50 / off': fmt(total.p50 / b.total.p50, 2),
          'cpu ms / gen': fmt(cpu.get(name)! / n),
          'gen/s': fmt((n / wall.get(name)!) * 1000, 0),
        });
      }
    }
    for (const [, t] of apps) await t.app.spanExporter?.flush().catch(() => undefined);
    printTable('generate: OpenTelemetry export off vs on (pipeline in process; OTLP/HTTP protobuf to a local sink)', rows);
    const st = collector.stats();
    console.log(`- the sink received ${st.requests} export requests, ${st.bytes} bytes`);
    return rows;
  } finally {
    for (const [, t] of apps) await t.close();
    await collector.close();
  }
}
