import { compilePolicy } from '../../src/guardrails/engine';
import { GuardrailService, type ActivePolicy } from '../../src/guardrails';
import { parseGuardrailPolicyConfig } from '../../src/guardrails/guardrail-policy.schemas';
import type { ChangeBus } from '../../src/db/change-bus';
import { BENCH_PII_TYPES, makeText } from './guardrails.bench';
import { fmt, printTable } from './stats';

function cpuUs(fn: () => Promise<void>): Promise<number> {
  const t0 = process.cpuUsage();
  return fn().then(() => {
    const u = process.cpuUsage(t0);
    return u.user + u.system;
  });
}

/**
 * The OUTPUT guardrail of one `generateOnce` answer, CPU time per answer: the old path (the stream
 * scanner built for the request, the whole answer pushed as one delta, then ended) against the new
 * one (`GuardrailService.screenOutput`, one `checkText` per policy), alternated in one process
 * (rounds swap which goes first). The OUTPUT policy: 12 PII types anonymized (NAME and ADDRESS
 * included); answers of `chars` characters with PII in them, fresh text each round.
 */
export async function benchOnceOutputScreen(opts: { answers?: number; chars?: number; rounds?: number } = {}): Promise<Array<Record<string, string | number>>> {
  const answers = opts.answers ?? 200;
  const chars = opts.chars ?? 1_000;
  const rounds = opts.rounds ?? 6;
  const policy: ActivePolicy = {
    id: 'pii',
    name: 'pii-out',
    blockedMessage: 'blocked',
    onContextInjection: 'DROP',
    compiled: compilePolicy(parseGuardrailPolicyConfig({ pii: { entities: BENCH_PII_TYPES.map((type) => ({ type, action: 'ANONYMIZE' })) } })),
  };
  const policies = [policy];
  const service = new GuardrailService(undefined as never, undefined as never, { subscribe: () => undefined } as unknown as ChangeBus, undefined as never);
  const paths: Record<string, (text: string) => Promise<string>> = {
    'stream scanner push+end (before)': async (text) => {
      const scanner = service.createOutputScanner(policies);
      const a = await scanner.push(text);
      const b = await scanner.end();
      return a.release + b.release;
    },
    'screenOutput whole text (after)': async (text) => (await service.screenOutput(policies, text)).release,
  };
  const totals: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    const texts = Array.from({ length: answers }, (_, i) => makeText(chars, 90_000 + round * answers + i));
    const names = Object.keys(paths);
    if (round % 2) names.reverse();
    for (const name of names) {
      const run = paths[name]!;
      const us = await cpuUs(async () => {
        for (const t of texts) await run(t);
      });
      // The first round warms both paths up (JIT) and is not counted.
      if (round > 0) totals[name]!.push(us / answers);
    }
  }
  const before = median(totals['stream scanner push+end (before)']!);
  const rows = Object.entries(totals).map(([path, perAnswer]) => ({
    path,
    'CPU µs / answer (median of rounds)': fmt(median(perAnswer), 1),
    'min–max': `${fmt(Math.min(...perAnswer), 1)}–${fmt(Math.max(...perAnswer), 1)}`,
    'vs before': `${fmt(median(perAnswer) / before, 2)}×`,
  }));
  printTable(`generateOnce OUTPUT screening, ${answers} answers of ${chars} chars per round, ${rounds - 1} rounds`, rows);
  return rows;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}
