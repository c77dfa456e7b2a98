import { loadavg } from 'node:os';
import path from 'node:path';
import { corpusFiles } from '../../scripts/lib/guardrails-data';
import type * as AddressModule from '../../src/guardrails/engine/pii/address.recognizer';
import type * as DetectorModule from '../../src/guardrails/engine/pii/pii-detector';

/**
 * The ADDRESS recognizer alone, or whole PII detection (every type), over the PII rows of
 * data/guardrails (`*pii*.jsonl`, ~170 KB) or every corpus row (`all`, ~1.3 MB), in a process of its
 * own (run each build in turn, alternating, under `nice`):
 *
 *   node dist/test/bench/pii-address-process.js <dist folder of a build> [address|pii] [all] [passes] [blocks]
 *
 * First sight: the first pass of the process (pattern compilation and JIT included). Repeated: the
 * fastest of `blocks` blocks of `passes` passes. Both in CPU time of the process (user + system), not
 * wall time: on a shared, loaded machine wall time mostly measures waiting for a core, and the
 * fastest block is the one least disturbed. Prints one JSON line.
 */
const dist = path.resolve(process.argv[2] ?? path.join(__dirname, '../..'));
const mode = process.argv[3] === 'pii' ? 'pii' : 'address';
const all = process.argv[4] === 'all';
const passes = Number(process.argv[5] ?? 10);
const blocks = Number(process.argv[6] ?? 5);
/* eslint-disable @typescript-eslint/no-require-imports */
const { addressRecognizer } = require(path.join(dist, 'src/guardrails/engine/pii/address.recognizer')) as typeof AddressModule;
const { createPiiDetector, SUPPORTED_PII_TYPES } = require(path.join(dist, 'src/guardrails/engine/pii/pii-detector')) as typeof DetectorModule;
/* eslint-enable @typescript-eslint/no-require-imports */

const texts = corpusFiles()
  .filter((f) => all || f.name.includes('pii'))
  .flatMap((f) => f.texts);
const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
const detector = createPiiDetector(SUPPORTED_PII_TYPES);
const ADDRESS = new Set(['ADDRESS'] as const);
let found = 0;
const run = mode === 'address' ? (t: string) => (found += addressRecognizer.find(t, ADDRESS).length) : (t: string) => (found += detector.find(t).length);

function cpuMs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / 1000;
}

const first = cpuMs(() => texts.forEach(run));
const times: number[] = [];
for (let b = 0; b < blocks; b++) times.push(cpuMs(() => Array.from({ length: passes }, () => texts.forEach(run))));
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    build: dist,
    mode,
    texts: all ? 'every corpus row' : 'PII rows',
    kb: Math.round(bytes / 1024),
    load: loadavg().map((x) => x.toFixed(1)),
    firstSightMs: Math.round(first),
    [`repeated ${passes} passes, fastest of ${blocks} blocks, ms`]: Math.round(times[0]!),
    repeatedMBs: +((bytes * passes) / 1e6 / (times[0]! / 1000)).toFixed(1),
    found,
  }),
);
