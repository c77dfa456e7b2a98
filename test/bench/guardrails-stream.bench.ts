import { performance } from 'node:perf_hooks';
import { startTestApp } from '../helpers/test-app';
import { parseGenerateInput, type GenerateInput, type GenerationPipeline } from '../../src/generate';
import { fmt, printTable, summarize } from './stats';

/**
 * What the streaming output guardrail adds: the same streamed generation through the pipeline,
 * once for a prompt without policies and once for a prompt with a realistic OUTPUT policy (PII
 * anonymization, a word list and profanity), interleaved in one run. Reports the added time to
 * first token and the added p99 delay between deltas as the client receives them.
 */

const REPLY =
  'Thanks for reaching out. Your order 5512 shipped yesterday and should arrive within three days. ' +
  'If anything is wrong, write to help@shop.example or call +1 415 555 0100, and quote your account. ' +
  'We are open Monday to Friday, nine to five, and we answer most questions within one working day. ' +
  'Have a great week, and thank you for shopping with us again.';

interface Sample {
  ttft: number;
  gaps: number[];
  total: number;
}

async function once(pipeline: GenerationPipeline, prompt: string, input: string): Promise<Sample> {
  const req = parseGenerateInput({ prompt, input, cache: 'BYPASS' } as GenerateInput);
  const t0 = performance.now();
  let last = NaN;
  let ttft = NaN;
  const gaps: number[] = [];
  for await (const ev of pipeline.run(req, { apiKeyId: 'bench', apiKeyName: 'bench' })) {
    if (ev.__typename === 'GenerationFailed') throw new Error(`${ev.code}: ${ev.message}`);
    if (ev.__typename !== 'TextDelta') continue;
    const now = performance.now();
    if (Number.isNaN(ttft)) ttft = now - t0;
    else gaps.push(now - last);
    last = now;
  }
  return { ttft, gaps, total: performance.now() - t0 };
}

export async function benchGuardrailStream(opts: { iterations?: number } = {}): Promise<Array<Record<string, string | number>>> {
  const iterations = opts.iterations ?? 200;
  const t = await startTestApp({ LOG_LEVEL: 'silent' });
  try {
    const must = async (q: string, v?: Record<string, unknown>) => {
      const r = await t.gql(q, v);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
    };
    for (const name of ['plain', 'guarded']) {
      await must('mutation($n: String!) { createPrompt(input: { name: $n }) { id } }', { n: name });
      await must('mutation($n: String!) { createPromptVersion(input: { prompt: $n, system: "You are a support agent.", modelId: "amazon.nova-lite-v1:0" }) { number } }', { n: name });
      await must('mutation($n: String!) { promotePromptVersion(input: { prompt: $n, version: 1, label: "production" }) { promoted } }', { n: name });
    }
    const entities = ['EMAIL', 'PHONE', 'CREDIT_DEBIT_CARD_NUMBER', 'US_SOCIAL_SECURITY_NUMBER', 'INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'IP_ADDRESS', 'URL', 'AWS_ACCESS_KEY'];
    await must('mutation($p: GuardrailPolicyInput!) { createGuardrailPolicy(input: $p) { id } }', {
      p: {
        name: 'support-output',
        appliesTo: ['OUTPUT'],
        prompts: ['guarded'],
        pii: { entities: entities.map((type) => ({ type, action: 'ANONYMIZE' })) },
        wordFilters: { words: ['competitorco', 'internal-only'], profanity: true },
      },
    });
    const pipeline = t.app.services.generation;
    const input = `Where is my order?\n#reply: ${REPLY}\n#chunk-chars: 12`;
    for (let i = 0; i < 30; i++) {
      await once(pipeline, 'plain', input);
      await once(pipeline, 'guarded', input);
    }
    const plain: Sample[] = [];
    const guarded: Sample[] = [];
    for (let i = 0; i < iterations; i++) {
      plain.push(await once(pipeline, 'plain', input));
      guarded.push(await once(pipeline, 'guarded', input));
    }
    const row = (metric: string, a: number[], b: number[]) => {
      const x = summarize(a);
      const y = summarize(b);
      return {
        metric,
        'no guardrail p50': fmt(x.p50),
        'guardrail p50': fmt(y.p50),
        'added p50': fmt(y.p50 - x.p50),
        'no guardrail p99': fmt(x.p99),
        'guardrail p99': fmt(y.p99),
        'added p99': fmt(y.p99 - x.p99),
      };
    };
    const rows = [
      row(
        'time to first token (ms)',
        plain.map((s) => s.ttft),
        guarded.map((s) => s.ttft),
      ),
      row(
        'delay between deltas (ms)',
        plain.flatMap((s) => s.gaps),
        guarded.flatMap((s) => s.gaps),
      ),
      row(
        'total (ms)',
        plain.map((s) => s.total),
        guarded.map((s) => s.total),
      ),
    ];
    printTable(`streaming output guardrail: same stream (${REPLY.length} chars in 12-char deltas) with and without an OUTPUT policy, in process`, rows);
    return rows;
  } finally {
    await t.close();
  }
}
