import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { BENCH_PII_TYPES, makeText } from './guardrails.bench';
import { corpusTexts } from '../../scripts/lib/guardrails-data';
import type * as EngineModule from '../../src/guardrails/engine';
import type * as GuardrailsModule from '../../src/guardrails';
import type * as SchemasModule from '../../src/guardrails/guardrail-policy.schemas';
import type * as NameModule from '../../src/guardrails/engine/pii/name.recognizer';

/**
 * The stream scanner's figures for ONE build, in its own process (the in-process side by side of
 * `BENCH=guardrails-stream` favours one engine even against itself): run it for each build in
 * turn, alternating, several times, and compare the medians.
 *
 *   node dist/test/bench/stream-scanner-process.js <dist folder of a build>   (default: this build)
 *
 * CPU time on one core. Prints one JSON line: the bench text streamed (best of 4), generated text
 * never seen, every corpus row of data/guardrails as its own reply (never seen), the fixed cost of
 * a delta (a three-word policy), the first delta of a reply and the pipeline's policy chain on one
 * support reply in 12-character deltas.
 */
const dist = path.resolve(process.argv[2] ?? path.join(__dirname, '../..'));
/* eslint-disable @typescript-eslint/no-require-imports */
const e = require(path.join(dist, 'src/guardrails/engine')) as typeof EngineModule;
const g = require(path.join(dist, 'src/guardrails')) as typeof GuardrailsModule;
const { parseGuardrailPolicyConfig } = require(path.join(dist, 'src/guardrails/guardrail-policy.schemas')) as typeof SchemasModule;
// `peopleIn` (compromise's tagger) exists only in builds before the NAME recognizer's person test: warmed when present.
const { peopleIn } = require(path.join(dist, 'src/guardrails/engine/pii/name.recognizer')) as typeof NameModule & { peopleIn?: (text: string) => unknown };
/* eslint-enable @typescript-eslint/no-require-imports */

const policy = e.compilePolicy(
  parseGuardrailPolicyConfig({
    pii: { entities: BENCH_PII_TYPES.map((type) => ({ type, action: 'ANONYMIZE' })) },
    wordFilters: { words: ['project orchid', 'internal only', 'zorblax'], profanity: true },
  }),
);
const words = e.compilePolicy(parseGuardrailPolicyConfig({ wordFilters: { words: ['project orchid', 'internal only', 'zorblax'] } }));
const MB = 1024 * 1024;

function cpuNs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const u = process.cpuUsage(t0);
  return (u.user + u.system) * 1000;
}
function generated(bytes: number, seed: number): string {
  const m: string[] = [];
  for (let i = 0, n = 0; n < bytes; i++) {
    const t = makeText(2000, seed + i);
    m.push(t);
    n += t.length;
  }
  return m.join('\n');
}
function stream(p: EngineModule.CompiledPolicy, text: string): void {
  const s = e.createStreamScanner(p);
  for (let i = 0; i < text.length; i += 20) if (s.push(text.slice(i, i + 20)).blocked) return;
  s.end();
}

// Warm-up: JIT, word lists, the name tagger (older builds).
peopleIn?.('Yesterday I met Koa Nalani and Ngozi Okafor at the market in Lagos.');
stream(policy, generated(300_000, 1));
stream(words, generated(100_000, 2));

const bench = generated(500_000, 5000);
const deltas = Math.ceil(bench.length / 20);
let best = Infinity;
for (let r = 0; r < 4; r++)
  best = Math.min(
    best,
    cpuNs(() => stream(policy, bench)),
  );
let bestWords = Infinity;
for (let r = 0; r < 4; r++)
  bestWords = Math.min(
    bestWords,
    cpuNs(() => stream(words, bench)),
  );
const fresh = generated(500_000, 900_000);
const freshNs = cpuNs(() => stream(policy, fresh));

const rows = corpusTexts();
// A blocked reply stops its stream: only the characters a scanner received count.
let corpusChars = 0;
const corpusNs = cpuNs(() => {
  for (const row of rows) {
    const s = e.createStreamScanner(policy);
    for (let i = 0; i < row.length; i += 20) if (s.push(row.slice(i, i + 20)).blocked) break;
    s.end();
    corpusChars += s.stats().receivedChars;
  }
});

const firstNs = cpuNs(() => {
  for (let k = 0; k < 2000; k++) e.createStreamScanner(policy).push('Thanks for reaching');
});
const REPLY =
  'Thanks for reaching out. Your order 5512 shipped yesterday and should arrive within three days. If anything is wrong, write to help@shop.example or call +1 415 555 0100, and quote your account. ' +
  'We are open Monday to Friday, nine to five, and we answer most questions within one working day. Have a great week, and thank you for shopping with us again.';
const active = { id: 'bench', name: 'bench', blockedMessage: 'blocked', onContextInjection: 'DROP' as const, compiled: policy };
const reply = () => {
  const s = g.createPolicyStreamScanner([active]);
  for (let i = 0; i < REPLY.length; i += 12) s.push(REPLY.slice(i, i + 12));
  s.end();
};
for (let i = 0; i < 2000; i++) reply();
let bestReply = Infinity;
for (let r = 0; r < 5; r++) bestReply = Math.min(bestReply, cpuNs(() => Array.from({ length: 500 }, reply)) / 500);

console.log(
  JSON.stringify({
    build: dist,
    load: loadavg().map((x) => x.toFixed(1)),
    cores: cpus().length,
    'stream MB/s, bench text (best of 4)': +(bench.length / MB / (best / 1e9)).toFixed(2),
    'µs per 20-char delta': +(best / 1e3 / deltas).toFixed(3),
    'stream MB/s, generated text never seen': +(fresh.length / MB / (freshNs / 1e9)).toFixed(2),
    'stream MB/s, corpus rows never seen (a reply each)': +(corpusChars / MB / (corpusNs / 1e9)).toFixed(2),
    'corpus rows': rows.length,
    'µs per delta, 3 words only (fixed cost)': +(bestWords / 1e3 / deltas).toFixed(3),
    'first delta µs': +(firstNs / 1e3 / 2000).toFixed(2),
    'policy chain µs per 351-char reply (12-char deltas)': +(bestReply / 1e3).toFixed(1),
  }),
);
