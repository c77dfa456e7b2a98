import { performance } from 'node:perf_hooks';
import { startTestApp } from '../helpers/test-app';
import { parseGenerateInput, type GenerateInput, type GenerationPipeline } from '../../src/generate';
import { fmt, printTable, summarize } from './stats';
import { BENCH_PII_TYPES as PII_TYPES, makeText } from './guardrails.bench';
import * as current from '../../src/guardrails/engine';
import { parseGuardrailPolicyConfig, PII_ENTITY_TYPES } from '../../src/guardrails/guardrail-policy.schemas';
import { corpusTexts } from '../../scripts/lib/guardrails-data';

type Engine = Pick<typeof current, 'compilePolicy' | 'createStreamScanner' | 'checkText'>;

function cpuNs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const u = process.cpuUsage(t0);
  return (u.user + u.system) * 1000;
}

/**
 * Model-like replies neither engine has seen: every row of the repository's guardrail corpora
 * (data/guardrails: PII rows of many cultures and formats, documents, e-mails, attacks and benign
 * requests, written by other hands than `makeText`), one reply per row, in a fixed shuffled order.
 */
function corpusReplies(): string[] {
  const rows = corpusTexts();
  // A fixed shuffle (so that each round gets rows of every set).
  let seed = 12345;
  for (let i = rows.length - 1; i > 0; i--) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    const j = seed % (i + 1);
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  return rows;
}

/**
 * The stream scanner and PII detection alone, CPU time on one core: the current engine and, with
 * `BENCH_GUARDRAILS_BASELINE=<dist folder of an earlier build>`, that build side by side in the
 * same process and the same load (rounds alternate which engine goes first; "new text" is text
 * generated afresh each round, that neither engine has seen: the stream figure that counts, since
 * "stream MB/s" streams the same text every round and gains from warm caches). The OUTPUT policy: 12 PII types including
 * NAME and ADDRESS, a word list and profanity; deltas of 20 characters as model chunks arrive.
 */
export function benchStreamScanner(opts: { bytes?: number; rounds?: number } = {}): Array<Record<string, string | number>> {
  const bytes = opts.bytes ?? 500_000;
  const rounds = opts.rounds ?? 4;
  const messages: string[] = [];
  for (let i = 0, n = 0; n < bytes; i++) {
    const m = makeText(2_000, 5000 + i);
    messages.push(m);
    n += m.length;
  }
  const stream = messages.join('\n');
  const engines: Array<[string, Engine]> = [['current', current]];
  const dir = process.env.BENCH_GUARDRAILS_BASELINE;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (dir) engines.push(['baseline', require(`${dir}/src/guardrails/engine`) as Engine]);
  const config = parseGuardrailPolicyConfig({
    pii: { entities: PII_TYPES.map((type) => ({ type, action: 'ANONYMIZE' })) },
    wordFilters: { words: ['project orchid', 'internal only', 'zorblax'], profanity: true },
  });
  const piiOnly = parseGuardrailPolicyConfig({ pii: { entities: PII_TYPES.map((type) => ({ type, action: 'ANONYMIZE' })) } });
  // The fixed cost of a delta: a policy whose only check is three custom words (a short pattern).
  const wordsOnly = parseGuardrailPolicyConfig({ wordFilters: { words: ['project orchid', 'internal only', 'zorblax'] } });
  // Corpus replies the policy would let through whole (a blocked reply stops its stream early), split
  // into one part per round: each round streams rows new to both engines.
  const replies = corpusReplies().filter((t) => current.checkText(current.compilePolicy(config), 'OUTPUT', t).action !== 'BLOCKED');
  // One row in ten warms both engines up (the name lists load on first use), the rest is measured.
  const warmReplies = replies.filter((_r, i) => i % 10 === 9);
  const measured = replies.filter((_r, i) => i % 10 !== 9);
  const replyParts = Array.from({ length: rounds }, (_, k) => measured.filter((_r, i) => i % rounds === k));
  const runs = engines.map(([name, e]) => ({
    name,
    e,
    policy: e.compilePolicy(config),
    pii: e.compilePolicy(piiOnly),
    words: e.compilePolicy(wordsOnly),
    stream: [] as number[],
    corpusNs: 0,
    corpusChars: 0,
    wordsNs: [] as number[],
    streamNewNs: [] as number[],
    deltas: 0,
    piiNs: [] as number[],
    piiNewNs: [] as number[],
    first: [] as number[],
  }));
  // Warm-up: JIT, lexicons and name lists loaded.
  for (const r of runs) {
    const s = r.e.createStreamScanner(r.policy);
    for (let i = 0; i < 20_000; i += 20) s.push(stream.slice(i, i + 20));
    for (const m of messages.slice(0, 20)) r.e.checkText(r.pii, 'OUTPUT', m);
    for (const reply of warmReplies) {
      const ws = r.e.createStreamScanner(r.policy);
      for (let i = 0; i < reply.length; i += 20) ws.push(reply.slice(i, i + 20));
      ws.end();
    }
  }
  for (let round = 0; round < rounds; round++) {
    // Text neither engine has seen (new names, numbers and sentences for their caches), the same for both.
    const fresh: string[] = [];
    for (let i = 0, n = 0; n < bytes / 4; i++) {
      const m = makeText(2_000, 900_000 + round * 10_000 + i);
      fresh.push(m);
      n += m.length;
    }
    const freshMb = fresh.reduce((a, m) => a + m.length, 0) / (1024 * 1024);
    // The engine measured first alternates between rounds.
    for (const r of round % 2 === 0 ? runs : [...runs].reverse()) {
      r.piiNewNs.push(cpuNs(() => fresh.forEach((m) => r.e.checkText(r.pii, 'OUTPUT', m))) / freshMb);
      // The same unseen text streamed (the scanner's figure that counts: no warm caches of names or numbers).
      const freshStream = fresh.join('\n');
      const fs = r.e.createStreamScanner(r.policy);
      r.streamNewNs.push(
        cpuNs(() => {
          for (let i = 0; i < freshStream.length; i += 20) fs.push(freshStream.slice(i, i + 20));
          fs.end();
        }) / freshMb,
      );
      const s = r.e.createStreamScanner(r.policy);
      let deltas = 0;
      r.stream.push(
        cpuNs(() => {
          for (let i = 0; i < stream.length; i += 20) {
            s.push(stream.slice(i, i + 20));
            deltas++;
          }
          s.end();
        }),
      );
      r.deltas = deltas;
      // Corpus rows, one reply (a new scanner) each, never seen by this engine: total time over the rounds.
      for (const reply of replyParts[round]!) {
        r.corpusChars += reply.length;
        r.corpusNs += cpuNs(() => {
          const cs = r.e.createStreamScanner(r.policy);
          for (let i = 0; i < reply.length; i += 20) cs.push(reply.slice(i, i + 20));
          cs.end();
        });
      }
      const ws = r.e.createStreamScanner(r.words);
      r.wordsNs.push(
        cpuNs(() => {
          for (let i = 0; i < stream.length; i += 20) ws.push(stream.slice(i, i + 20));
          ws.end();
        }),
      );
      r.piiNs.push(cpuNs(() => messages.forEach((m) => r.e.checkText(r.pii, 'OUTPUT', m))));
      // Time to the first release: a new scanner and the first delta of a reply.
      r.first.push(
        cpuNs(() => {
          for (let k = 0; k < 200; k++) r.e.createStreamScanner(r.policy).push('Thanks for reaching');
        }) / 200,
      );
    }
  }
  const best = (xs: number[]) => Math.min(...xs);
  const mb = stream.length / (1024 * 1024);
  const rows = runs.map((r) => ({
    engine: r.name,
    'stream MB/s': fmt(mb / (best(r.stream) / 1e9)),
    'stream MB/s, new text': fmt(1 / (best(r.streamNewNs) / 1e9)),
    'µs per 20-char delta': fmt(best(r.stream) / 1e3 / r.deltas),
    'stream MB/s, corpus replies': fmt(r.corpusChars / (1024 * 1024) / (r.corpusNs / 1e9)),
    'µs per delta, 3 words only (fixed cost)': fmt(best(r.wordsNs) / 1e3 / r.deltas),
    'first delta µs (TTFT added)': fmt(best(r.first) / 1e3),
    'PII only MB/s (12 types)': fmt(mb / (best(r.piiNs) / 1e9)),
    'PII only MB/s, new text': fmt(1 / (best(r.piiNewNs) / 1e9)),
  }));
  if (runs.length === 2) {
    const [c, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
    rows.push({
      engine: 'current / baseline',
      'stream MB/s': fmt(best(b.stream) / best(c.stream)),
      'stream MB/s, new text': fmt(best(b.streamNewNs) / best(c.streamNewNs)),
      'µs per 20-char delta': fmt(best(c.stream) / best(b.stream)),
      'stream MB/s, corpus replies': fmt(b.corpusNs / b.corpusChars / (c.corpusNs / c.corpusChars)),
      'µs per delta, 3 words only (fixed cost)': fmt(best(c.wordsNs) / best(b.wordsNs)),
      'first delta µs (TTFT added)': fmt(best(c.first) / best(b.first)),
      'PII only MB/s (12 types)': fmt(best(b.piiNs) / best(c.piiNs)),
      'PII only MB/s, new text': fmt(best(b.piiNewNs) / best(c.piiNewNs)),
    });
  }
  printTable(
    `stream scanner and PII detection, CPU time, ${mb.toFixed(2)} MB of generated support/devops text (best of ${rounds} alternating rounds); corpus replies: ${measured.length} rows of data/guardrails (${(replyParts.reduce((a, p) => a + p.reduce((x, t) => x + t.length, 0), 0) / (1024 * 1024)).toFixed(2)} MB) that the policy does not block, each row in one round only, total time`,
    rows,
  );
  return rows;
}

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

/**
 * `BENCH=stream-diff BENCH_GUARDRAILS_BASELINE=<dist of an earlier build>`: the two builds' stream
 * scanners step by step on the same deltas: every corpus row of data/guardrails and 60 generated
 * texts, whole and in random model-like chunkings (1 to 40 characters, some of 400), through six
 * policies (the bench's, every PII type, PII with BLOCK and punctuated phrases, words only, e-mail
 * only, topics and content). Each push and the end must give the same release, findings and block,
 * and the same counters. A speed change of the scanner's mechanics must keep this at 0.
 */
export function diffStreamScanners(): { streams: number; differing: number } {
  const dir = process.env.BENCH_GUARDRAILS_BASELINE;
  if (!dir) throw new Error('BENCH=stream-diff needs BENCH_GUARDRAILS_BASELINE=<dist folder of the build to compare with>');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const baseline = require(`${dir}/src/guardrails/engine`) as Engine;
  const all = PII_ENTITY_TYPES;
  const configs: Record<string, unknown> = {
    bench: { pii: { entities: PII_TYPES.map((type) => ({ type, action: 'ANONYMIZE' })) }, wordFilters: { words: ['project orchid', 'internal only', 'zorblax'], profanity: true } },
    everyPii: { pii: { entities: all.map((type) => ({ type, action: 'ANONYMIZE' })) } },
    blocking: {
      pii: { entities: all.map((type) => ({ type, action: type === 'CREDIT_DEBIT_CARD_NUMBER' || type === 'US_SOCIAL_SECURITY_NUMBER' ? 'BLOCK' : 'ANONYMIZE' })) },
      wordFilters: { words: ['top secret', 'dr. no', "o'brien deal", 'café crème'] },
    },
    words: { wordFilters: { words: ['project orchid', 'de la', 'the plan', 'zorblax'], profanity: true } },
    email: { pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] } },
    windowed: {
      pii: {
        entities: [
          { type: 'EMAIL', action: 'ANONYMIZE' },
          { type: 'NAME', action: 'ANONYMIZE' },
        ],
      },
      deniedTopics: [{ name: 'Investment advice', definition: 'Recommendations about which stocks to buy or sell', examples: ['Which stocks should I buy?'] }],
      contentCategories: [{ category: 'VIOLENCE', action: 'BLOCK' }],
    },
  };
  const texts = corpusReplies();
  for (let i = 0; i < 60; i++) texts.push(makeText(3000, 4242 + i));
  // Forced releases: a long blob, long runs of capitals and of connectors.
  texts.push(`${'QUJD'.repeat(400)} and then Maria Lopez wrote 4111 1111 1111 1111 ok`);
  texts.push(`${Array.from({ length: 200 }, (_, i) => `Ab${i}`).join(' ')} the end`);
  texts.push(`${Array.from({ length: 300 }, (_, i) => (i % 7 ? 'De' : 'x1')).join(' ')} done. ${'de la '.repeat(150)}quiet end`);
  let seed = 1;
  const rnd = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const chunks = (text: string): string[] => {
    const out: string[] = [];
    for (let i = 0; i < text.length;) {
      const n = 1 + Math.floor(rnd() * (rnd() < 0.3 ? 4 : rnd() < 0.1 ? 400 : 40));
      out.push(text.slice(i, i + n));
      i += n;
    }
    return out;
  };
  const steps = (e: Engine, policy: ReturnType<Engine['compilePolicy']>, deltas: string[]): string => {
    const s = e.createStreamScanner(policy, { source: 'model' });
    const out: unknown[] = deltas.map((d) => s.push(d));
    // The counters of output (received, held), not `scannedChars`: how much a build searches is what speed work changes.
    out.push(s.end());
    const { receivedChars, heldChars } = s.stats();
    out.push({ receivedChars, heldChars });
    return JSON.stringify(out);
  };
  let streams = 0;
  let differing = 0;
  for (const [name, config] of Object.entries(configs)) {
    const parsed = parseGuardrailPolicyConfig(config);
    const mine = current.compilePolicy(parsed);
    const theirs = baseline.compilePolicy(parsed);
    for (const text of texts) {
      for (let k = 0; k < (name === 'bench' || name === 'everyPii' ? 4 : 2); k++) {
        const deltas = k === 0 ? [text] : chunks(text);
        streams++;
        if (steps(current, mine, deltas) !== steps(baseline, theirs, deltas) && differing++ < 5) console.log(`differs (${name}): ${JSON.stringify(deltas).slice(0, 300)}`);
      }
    }
  }
  printTable('stream scanner, this build against the baseline, step by step', [{ streams, 'streams with any differing step': differing }]);
  return { streams, differing };
}
