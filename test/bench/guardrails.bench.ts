import { checkText, compilePolicy, createStreamScanner, scoreInjection, type CompiledPolicy } from '../../src/guardrails/engine';
import { parseGuardrailPolicyConfig } from '../../src/guardrails/guardrail-policy.schemas';
import { InputCheckPool } from '../../src/guardrails/input-check-pool';
import { CHUNKS } from './generate-clients';
import { performance } from 'node:perf_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Guardrail engine throughput on one core, for a realistic policy: the common PII set (structured
 * types plus NAME and ADDRESS), prompt injection at MEDIUM and a word filter with profanity.
 * The text is generated here (support/devops style prose with PII sprinkled in), not taken from
 * the evaluation corpora.
 */

/** The PII types of the benchmarks' OUTPUT policy: the structured types plus NAME and ADDRESS. */
export const BENCH_PII_TYPES = [
  'EMAIL',
  'PHONE',
  'CREDIT_DEBIT_CARD_NUMBER',
  'US_SOCIAL_SECURITY_NUMBER',
  'INTERNATIONAL_BANK_ACCOUNT_NUMBER',
  'IP_ADDRESS',
  'MAC_ADDRESS',
  'URL',
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'NAME',
  'ADDRESS',
] as const;

/** The INPUT policy with every check on (PII, word filters, prompt injection), as configured (other builds compile it with their own engine). */
export const BENCH_INPUT_POLICY_CONFIG = {
  pii: {
    entities: BENCH_PII_TYPES.map((type) => ({ type, action: type === 'CREDIT_DEBIT_CARD_NUMBER' ? 'BLOCK' : 'ANONYMIZE' })),
  },
  wordFilters: { words: ['project orchid', 'internal only', 'zorblax'], profanity: true },
  promptInjection: { enabled: true, sensitivity: 'MEDIUM' },
};
const POLICY = compilePolicy(parseGuardrailPolicyConfig(BENCH_INPUT_POLICY_CONFIG));
/** The same policy without NAME (the NAME recognizer is most of INPUT's cost on new text). */
const POLICY_NO_NAME = compilePolicy(parseGuardrailPolicyConfig({ ...BENCH_INPUT_POLICY_CONFIG, pii: { entities: BENCH_INPUT_POLICY_CONFIG.pii.entities.filter((e) => e.type !== 'NAME') } }));

/** The generate benchmark's full-pipeline INPUT policy: prompt injection only. */
const POLICY_INJECTION_ONLY = compilePolicy(parseGuardrailPolicyConfig({ promptInjection: { enabled: true, sensitivity: 'MEDIUM' } }));

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PROSE = [
  'Thanks for reaching out about the delayed shipment; the carrier has confirmed a new delivery window.',
  'To rotate the credentials, open the console, choose the service account and create a new key pair.',
  'The nightly job failed because the disk on the build agent was full, so we cleaned the cache and retried.',
  'Please make sure the staging environment mirrors production before we run the load test on Thursday.',
  'Our refund policy allows returns within thirty days of delivery when the item is unused.',
  'The dashboard shows a spike in latency around midnight, which matches the backup window.',
  'I have attached the updated onboarding checklist; comments are welcome until the end of the week.',
  'When the cluster scales out, new nodes join the pool and start receiving traffic after the health check.',
];
const FIRST = ['Maria', 'James', 'Aisha', 'Kenji', 'Olga', 'Tobias', 'Priya', 'Lucas'];
const LAST = ['Gonzalez', 'Okafor', 'Lindqvist', 'Tanaka', 'Brennan', 'Moreau', 'Haddad', 'Novak'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

export function makeText(bytes: number, seed: number): string {
  const r = rng(seed);
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    const x = r();
    let s: string;
    if (x < 0.7) s = pick(r, PROSE);
    else if (x < 0.76) s = `Please contact ${pick(r, FIRST)} ${pick(r, LAST)} at ${pick(r, FIRST).toLowerCase()}.${pick(r, LAST).toLowerCase()}@example.com.`;
    else if (x < 0.8) s = `You can call the desk on +1 415 555 01${String(Math.floor(r() * 90) + 10)} during business hours.`;
    else if (x < 0.84) s = `The service at 10.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)} answers on https://status.example.com/api/v2.`;
    else if (x < 0.87) s = `Ship it to ${100 + Math.floor(r() * 9000)} Oak Street, Springfield, IL 62704 by Friday.`;
    else if (x < 0.9) s = 'Order ORD-2024-118823 shipped on 2024-03-18 with tracking 1Z999AA10123456784.';
    else if (x < 0.93) s = 'Version 10.0.19045.3570 fixed the driver issue reported in ticket 48213.';
    else s = `Dear ${pick(r, FIRST)}, the invoice for March is attached; let us know if anything looks off.`;
    parts.push(s);
    n += s.length + 1;
  }
  return parts.join(r() < 0.5 ? ' ' : '\n');
}

/**
 * Text no round has seen: every row of the repository's guardrail corpora (data/guardrails, written
 * by other hands and methods than `makeText`'s eight sentences), joined into messages of about
 * `messageChars`. `makeText` repeats its sentences, so the engines' caches (the NAME recognizer's word
 * classes and runs, the phone scores) answer most of its lookups; these rows pay for first sight.
 */
function corpusMessages(messageChars: number): string[] {
  const dir = path.join(__dirname, '../../../data/guardrails');
  const out: string[] = [];
  let cur = '';
  for (const sub of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const f of readdirSync(path.join(dir, sub.name)).filter((n) => n.endsWith('.jsonl'))) {
      for (const line of readFileSync(path.join(dir, sub.name, f), 'utf8').split('\n')) {
        if (!line.trim()) continue;
        cur += (cur ? '\n' : '') + (JSON.parse(line) as { text: string }).text;
        if (cur.length >= messageChars) {
          out.push(cur);
          cur = '';
        }
      }
    }
  }
  if (cur) out.push(cur);
  return out;
}

function mbPerSecond(chars: number, ns: bigint): number {
  return chars / (1024 * 1024) / (Number(ns) / 1e9);
}

/** CPU time (user + system, ns) of fn: the figure "on one core", less sensitive than wall time to a shared machine. */
function time(fn: () => void): bigint {
  const t0 = process.cpuUsage();
  fn();
  const u = process.cpuUsage(t0);
  return BigInt(u.user + u.system) * 1000n;
}

/** The engine's entry points this benchmark calls (the current one, or a baseline build's). */
interface EngineUnderTest {
  checkText: typeof checkText;
  compilePolicy: typeof compilePolicy;
  scoreInjection: typeof scoreInjection;
}

/**
 * A baseline engine to run side by side: `BENCH_GUARDRAILS_BASELINE=<dist folder of an earlier build>`
 * (e.g. `git stash && npm run build && cp -r dist /tmp/base && git stash pop`), so before and after
 * are measured in one run on the same load.
 */
function baselineEngine(): EngineUnderTest | null {
  const dir = process.env.BENCH_GUARDRAILS_BASELINE;
  if (!dir) return null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`${dir}/src/guardrails/engine`) as EngineUnderTest;
}

/** CPU time (ns) of `fa` and of `fb` over the messages, each message given to both in turn, the first one alternating. */
function pairTime(messages: readonly string[], fa: (m: string) => void, fb: (m: string) => void): { a: bigint; b: bigint } {
  let a = 0n;
  let b = 0n;
  messages.forEach((m, i) => {
    if (i % 2 === 0) {
      a += time(() => fa(m));
      b += time(() => fb(m));
    } else {
      b += time(() => fb(m));
      a += time(() => fa(m));
    }
  });
  return { a, b };
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Runs the guardrail benchmarks; returns figures by name (MB/s of CPU time on one core, µs per delta, work ratios). */
export async function benchGuardrails(): Promise<Record<string, number | string>> {
  const totalChars = Number(process.env.BENCH_GUARDRAILS_BYTES ?? 1_000_000);
  const messageChars = 2_000;
  const messages: string[] = [];
  for (let i = 0, n = 0; n < totalChars; i++) {
    const m = makeText(messageChars, 1000 + i);
    messages.push(m);
    n += m.length;
  }
  const chars = messages.reduce((a, m) => a + m.length, 0);

  // Warm-up (JIT, lazily built regexes, the compromise lexicon).
  for (const m of messages.slice(0, 20)) {
    checkText(POLICY, 'INPUT', m);
    checkText(POLICY, 'OUTPUT', m);
  }

  let anonymized = 0;
  const base = baselineEngine();
  const basePolicy = base ? base.compilePolicy(POLICY.config) : null;
  if (base && basePolicy) {
    // Both engines warmed the same way (a full pass each): the libraries they share (compromise) and
    // their own caches are then as warm for one as for the other, whichever is measured first.
    for (const m of messages) base.checkText(basePolicy, 'INPUT', m);
    for (const m of messages) checkText(POLICY, 'INPUT', m);
  }
  // Floor: one lower-casing and one regex tokenisation of the text (what any word-level scan costs at least).
  const floorNs = time(() => {
    for (const m of messages) {
      const re = /[a-z0-9]+/g;
      const l = m.toLowerCase();
      while (re.exec(l) !== null);
    }
  });
  const baseline: Record<string, number> = {};
  let inputNs: bigint;
  let outputNs: bigint;
  let injectionNs: bigint;
  if (base && basePolicy) {
    // Side by side: each message checked by both engines in turn (the first one alternating), so a
    // change of load during the run weighs on both alike. The injection detector is the same code in
    // both when only PII changed: its ratio is then the measurement's own bias.
    const input = pairTime(
      messages,
      (m) => {
        if (checkText(POLICY, 'INPUT', m).action !== 'NONE') anonymized++;
      },
      (m) => base.checkText(basePolicy, 'INPUT', m),
    );
    const output = pairTime(
      messages,
      (m) => checkText(POLICY, 'OUTPUT', m),
      (m) => base.checkText(basePolicy, 'OUTPUT', m),
    );
    const injection = pairTime(
      messages,
      (m) => scoreInjection(m, false),
      (m) => base.scoreInjection(m, false),
    );
    // Per check, side by side: the PII recognizers alone and the word filter alone (INPUT is injection + these).
    const pii = pairTime(
      messages,
      (m) => POLICY.pii!.find(m),
      (m) => basePolicy.pii!.find(m),
    );
    const words = pairTime(
      messages,
      (m) => POLICY.words!.find(m),
      (m) => basePolicy.words!.find(m),
    );
    // Text neither engine has seen before: each corpus message once to each (the first one alternating).
    const corpus = corpusMessages(messageChars);
    const corpusChars = corpus.reduce((a, m) => a + m.length, 0);
    const unseen = pairTime(
      corpus,
      (m) => checkText(POLICY, 'INPUT', m),
      (m) => base.checkText(basePolicy, 'INPUT', m),
    );
    // The same text again, every check but NAME (fresh copies; the NAME tagger's per-sentence cache does not matter here).
    const baseNoName = base.compilePolicy(POLICY_NO_NAME.config);
    const unseenNoName = pairTime(
      corpus.map((m) => Buffer.from(m, 'utf8').toString('utf8')),
      (m) => checkText(POLICY_NO_NAME, 'INPUT', m),
      (m) => base.checkText(baseNoName, 'INPUT', m),
    );
    // The word filter alone on the corpus rows (bench text repeats a few sentences).
    const wordsUnseen = pairTime(
      corpus,
      (m) => POLICY.words!.find(m),
      (m) => basePolicy.words!.find(m),
    );
    baseline.checkInputUnseenNoNameMBps = round(mbPerSecond(corpusChars, unseenNoName.a));
    baseline.baselineCheckInputUnseenNoNameMBps = round(mbPerSecond(corpusChars, unseenNoName.b));
    baseline.wordsUnseenMBps = round(mbPerSecond(corpusChars, wordsUnseen.a));
    baseline.baselineWordsUnseenMBps = round(mbPerSecond(corpusChars, wordsUnseen.b));
    // The generate benchmark's full-pipeline request: its injection-only INPUT policy over the input and 10 retrieved chunks (~486 characters each).
    const requests = Array.from({ length: 4000 }, (_, k) => `What is the best museum to visit in Paris on a rainy day? (${k})`);
    const request = (engine: EngineUnderTest, policy: CompiledPolicy) => (input: string) => {
      engine.checkText(policy, 'INPUT', input);
      for (const c of CHUNKS) engine.checkText(policy, 'INPUT', c.text, { isContextChunk: true });
    };
    const injectionPolicy = POLICY_INJECTION_ONLY;
    const baseInjectionPolicy = base.compilePolicy(injectionPolicy.config);
    for (const r of requests.slice(0, 1000)) {
      request({ checkText, compilePolicy, scoreInjection }, injectionPolicy)(r);
      request(base, baseInjectionPolicy)(r);
    }
    const perRequest = pairTime(requests, request({ checkText, compilePolicy, scoreInjection }, injectionPolicy), request(base, baseInjectionPolicy));
    baseline.generateRequestInputCheckMicros = round(Number(perRequest.a) / 1e3 / requests.length, 1);
    baseline.baselineGenerateRequestInputCheckMicros = round(Number(perRequest.b) / 1e3 / requests.length, 1);
    baseline.piiOnlyMBps = round(mbPerSecond(chars, pii.a));
    baseline.baselinePiiOnlyMBps = round(mbPerSecond(chars, pii.b));
    baseline.wordsOnlyMBps = round(mbPerSecond(chars, words.a));
    baseline.baselineWordsOnlyMBps = round(mbPerSecond(chars, words.b));
    // The injection detector alone on the corpus rows, after the INPUT pass above (fresh copies of the messages; the detector
    // keeps no per-word cache, so this is its speed on such text once V8 has compiled the paths it takes; its very first
    // sight of it in a new process is measured in separate processes, see docs/guardrails.md).
    const corpusCopies = corpus.map((m) => Buffer.from(m, 'utf8').toString('utf8'));
    const injectionCorpus = pairTime(
      corpusCopies,
      (m) => scoreInjection(m, false),
      (m) => base.scoreInjection(m, false),
    );
    baseline.injectionCorpusMBps = round(mbPerSecond(corpusChars, injectionCorpus.a));
    baseline.baselineInjectionCorpusMBps = round(mbPerSecond(corpusChars, injectionCorpus.b));
    baseline.unseenTextMB = round(corpusChars / (1024 * 1024), 3);
    baseline.checkInputUnseenMBps = round(mbPerSecond(corpusChars, unseen.a));
    baseline.baselineCheckInputUnseenMBps = round(mbPerSecond(corpusChars, unseen.b));
    baseline.checkInputUnseenSpeedupOverBaseline = round(Number(unseen.b) / Number(unseen.a));
    [inputNs, outputNs, injectionNs] = [input.a, output.a, injection.a];
    baseline.baselineCheckInputMBps = round(mbPerSecond(chars, input.b));
    baseline.baselineCheckOutputMBps = round(mbPerSecond(chars, output.b));
    baseline.baselineInjectionOnlyMBps = round(mbPerSecond(chars, injection.b));
    baseline.checkInputSpeedupOverBaseline = round(Number(input.b) / Number(input.a));
    baseline.checkOutputSpeedupOverBaseline = round(Number(output.b) / Number(output.a));
    baseline.injectionSpeedupOverBaseline = round(Number(injection.b) / Number(injection.a));
  } else {
    inputNs = time(() => {
      for (const m of messages) if (checkText(POLICY, 'INPUT', m).action !== 'NONE') anonymized++;
    });
    outputNs = time(() => {
      for (const m of messages) checkText(POLICY, 'OUTPUT', m);
    });
    injectionNs = time(() => {
      for (const m of messages) scoreInjection(m, false);
    });
  }
  const chunkNs = time(() => {
    for (const m of messages) scoreInjection(m, true);
  });

  // Streaming: ~20-character deltas, as model token chunks arrive.
  const stream = messages.slice(0, Math.max(1, Math.floor(messages.length / 2))).join('\n');
  // Warm-up of the scanner's own code (as the figures above are measured warm).
  const warm = createStreamScanner(POLICY);
  for (let i = 0; i < Math.min(stream.length, 20_000); i += 20) warm.push(stream.slice(i, i + 20));
  const scanner = createStreamScanner(POLICY);
  let deltas = 0;
  let released = 0;
  const streamNs = time(() => {
    for (let i = 0; i < stream.length; i += 20) {
      released += scanner.push(stream.slice(i, i + 20)).release.length;
      deltas++;
    }
    released += scanner.end().release.length;
  });
  const st = scanner.stats();

  return {
    policy: 'PII (12 types incl. NAME, ADDRESS) + injection MEDIUM + word filter with profanity',
    textMB: round(chars / (1024 * 1024), 3),
    messageChars,
    messagesFlagged: anonymized,
    checkInputMBps: round(mbPerSecond(chars, inputNs)),
    checkOutputMBps: round(mbPerSecond(chars, outputNs)),
    injectionOnlyMBps: round(mbPerSecond(chars, injectionNs)),
    injectionChunkMBps: round(mbPerSecond(chars, chunkNs)),
    floorTokenizeMBps: round(mbPerSecond(chars, floorNs)),
    checkInputTimesFloor: round(Number(inputNs) / Number(floorNs)),
    injectionTimesFloor: round(Number(injectionNs) / Number(floorNs)),
    ...baseline,
    streamMBps: round(mbPerSecond(stream.length, streamNs)),
    streamDeltaChars: 20,
    streamMicrosPerDelta: round(Number(streamNs) / 1e3 / deltas, 1),
    streamScannedPerReceived: round(st.scannedChars / st.receivedChars),
    streamReleasedChars: released,
    ...(await poolHop(messages.join('\n'))),
  };
}

/**
 * What moving an INPUT check to the worker pool costs and saves, per text size: the check inline
 * (event-loop time), and through the pool (event-loop time spent posting and receiving, and the
 * request's wall time, hop included). Picks GUARDRAIL_WORKER_MIN_CHARS: below the size where the
 * inline check costs about what the hop adds, a check stays inline.
 */
async function poolHop(text: string): Promise<Record<string, number>> {
  const pool = new InputCheckPool({ threads: 1, minChars: 0 });
  const out: Record<string, number> = {};
  try {
    await pool.check(POLICY, 'INPUT', text.slice(0, 2000), {});
    for (const size of [1024, 4096, 16_384, 65_536]) {
      const texts = Array.from({ length: 12 }, (_, i) => text.slice(i * 997, i * 997 + size));
      for (const t of texts.slice(0, 2)) await pool.check(POLICY, 'INPUT', t, {});
      let inlineMs = 0;
      for (const t of texts) {
        const t0 = performance.now();
        checkText(POLICY, 'INPUT', t);
        inlineMs += performance.now() - t0;
      }
      const elu0 = performance.eventLoopUtilization();
      const w0 = performance.now();
      for (const t of texts) await pool.check(POLICY, 'INPUT', t, {});
      const wallMs = performance.now() - w0;
      const loopMs = performance.eventLoopUtilization(elu0).active;
      const k = `${size / 1024}k`;
      out[`pool${k}InlineLoopMs`] = round(inlineMs / texts.length, 3);
      out[`pool${k}PooledLoopMs`] = round(loopMs / texts.length, 3);
      out[`pool${k}PooledWallMs`] = round(wallMs / texts.length, 3);
    }
  } finally {
    await pool.close();
  }
  return out;
}
