import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { BENCH_INPUT_POLICY_CONFIG, makeText } from './guardrails.bench';
import { corpusTexts } from '../../scripts/lib/guardrails-data';
import type * as EngineModule from '../../src/guardrails/engine';
import type * as SchemasModule from '../../src/guardrails/guardrail-policy.schemas';
import type * as NameModule from '../../src/guardrails/engine/pii/name.recognizer';

/**
 * INPUT with every check on, and the NAME recognizer alone, over text ONE build has never seen, in
 * its own process (run it for each build in turn, alternating, and compare the medians):
 *
 *   node dist/test/bench/input-unseen-process.js <dist folder of a build> [input|name] [half]
 *
 * Warm-up: 300 generated bench texts through the same check (JIT, word lists, compromise's lexicon),
 * then every corpus row of data/guardrails once (4,000-odd rows the process has not seen: the names
 * and sentences are new to every cache). CPU time on one core (background compiler and GC threads
 * included). Prints one JSON line.
 *
 * `half`: the even rows join the warm-up and the odd rows are measured: still never seen (every
 * cache misses), but the JIT has met corpus-like text, as in a server that has run for a while. The
 * generated warm-up leaves many paths of real rows unoptimised, so the plain figure also counts
 * V8 compiling them (roughly half of it).
 */
const dist = path.resolve(process.argv[2] ?? path.join(__dirname, '../..'));
const mode = process.argv[3] === 'name' ? 'name' : 'input';
const half = process.argv[4] === 'half';
/* eslint-disable @typescript-eslint/no-require-imports */
const e = require(path.join(dist, 'src/guardrails/engine')) as typeof EngineModule;
const { parseGuardrailPolicyConfig } = require(path.join(dist, 'src/guardrails/guardrail-policy.schemas')) as typeof SchemasModule;
const { nameRecognizer } = require(path.join(dist, 'src/guardrails/engine/pii/name.recognizer')) as typeof NameModule;
/* eslint-enable @typescript-eslint/no-require-imports */

const policy = e.compilePolicy(parseGuardrailPolicyConfig(BENCH_INPUT_POLICY_CONFIG));
const NAME = new Set(['NAME'] as const);
const check = mode === 'input' ? (t: string) => void e.checkText(policy, 'INPUT', t) : (t: string) => void nameRecognizer.find(t, NAME);

function cpuNs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const u = process.cpuUsage(t0);
  return (u.user + u.system) * 1000;
}

for (let i = 0; i < 300; i++) check(makeText(2000, 1 + i));
const all = corpusTexts();
if (half) for (let i = 0; i < all.length; i += 2) check(all[i]!);
const rows = half ? all.filter((_, i) => i % 2 === 1) : all;
const chars = rows.reduce((a, r) => a + r.length, 0);
const ns = cpuNs(() => {
  for (const row of rows) check(row);
});
console.log(
  JSON.stringify({
    build: dist,
    mode,
    load: loadavg().map((x) => x.toFixed(1)),
    cores: cpus().length,
    rows: rows.length,
    [`${mode === 'input' ? 'INPUT, every check' : 'NAME recognizer alone'}, corpus rows never seen${half ? ' (odd rows, after the even ones)' : ''}, MB/s`]: +(
      chars /
      1024 /
      1024 /
      (ns / 1e9)
    ).toFixed(3),
  }),
);
