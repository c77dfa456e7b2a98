/**
 * Measures the local guardrail engine on the development corpora in ../shared/corpora (relative to
 * the project root): precision and recall per PII type, and prompt-injection detection and
 * false-positive rates per sensitivity, for direct input and for retrieved context chunks.
 *
 *   npm run guardrails:eval                     (builds, then runs dist/scripts/guardrails-eval.js)
 *   GUARDRAILS_CORPORA=/path/to/corpora npm run guardrails:eval
 *   ... -- --check    exits 1 when a target is missed (structured PII P/R >= 0.95; injection >= 0.90 at FP <= 0.05, MEDIUM)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkText, compilePolicy, INJECTION_THRESHOLDS, scoreInjection } from '../src/guardrails/engine';
import { parseGuardrailPolicyConfig, type InjectionSensitivity, type PiiEntityType } from '../src/guardrails/guardrail-policy.schemas';

interface PiiRow {
  id: string;
  text: string;
  entities: { type: PiiEntityType; start: number; end: number; value: string }[];
}
interface InjectionRow {
  id: string;
  text: string;
  label: 'injection' | 'benign';
  family?: string;
  source?: string;
}

/** Types whose shape (and checksum where there is one) defines them; NAME and ADDRESS are free text. */
const STRUCTURED: ReadonlySet<string> = new Set([
  'EMAIL', 'PHONE', 'CREDIT_DEBIT_CARD_NUMBER', 'US_SOCIAL_SECURITY_NUMBER', 'INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'IP_ADDRESS',
  'MAC_ADDRESS', 'URL', 'AWS_ACCESS_KEY', 'AWS_SECRET_KEY', 'US_PASSPORT_NUMBER', 'DRIVER_ID',
]);

function corporaDir(): string {
  const candidates = [
    process.env.GUARDRAILS_CORPORA,
    resolve(process.cwd(), '../shared/corpora'),
    resolve(__dirname, '../../../shared/corpora'), // dist/scripts -> project root -> ..
    resolve(__dirname, '../../shared/corpora'), // scripts/ run from source
  ].filter((p): p is string => typeof p === 'string');
  const found = candidates.find((p) => existsSync(join(p, 'pii.jsonl')));
  if (!found) throw new Error(`corpora not found; tried ${candidates.join(', ')} (set GUARDRAILS_CORPORA)`);
  return found;
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as T);
}

const pct = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '  -  ');
const pad = (s: string | number, n: number): string => String(s).padStart(n);

function evalPii(rows: PiiRow[]): { table: string; structuredP: number; structuredR: number } {
  const types = [...new Set(rows.flatMap((r) => r.entities.map((e) => e.type)))].sort();
  const policy = compilePolicy(parseGuardrailPolicyConfig({ pii: { entities: types.map((type) => ({ type, action: 'ANONYMIZE' })) } }));
  const stats = new Map<string, { tp: number; fp: number; fn: number }>(types.map((t) => [t, { tp: 0, fp: 0, fn: 0 }]));
  const started = process.hrtime.bigint();
  let chars = 0;
  for (const row of rows) {
    chars += row.text.length;
    const found = checkText(policy, 'OUTPUT', row.text).findings.filter((f) => f.kind === 'PII');
    for (const f of found) {
      const s = stats.get(f.name)!;
      if (row.entities.some((e) => e.type === f.name && e.start === f.start && e.end === f.end)) s.tp++;
      else s.fp++;
    }
    for (const e of row.entities) {
      if (!found.some((f) => f.name === e.type && f.start === e.start && f.end === e.end)) stats.get(e.type)!.fn++;
    }
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const lines = [`PII (exact span and type; ${rows.length} rows, ${(chars / 1024).toFixed(0)} KB in ${ms.toFixed(0)} ms)`];
  lines.push(`${'type'.padEnd(36)}${pad('TP', 6)}${pad('FP', 6)}${pad('FN', 6)}${pad('P', 8)}${pad('R', 8)}${pad('F1', 8)}`);
  const total = { tp: 0, fp: 0, fn: 0 };
  const structured = { tp: 0, fp: 0, fn: 0 };
  for (const t of types) {
    const s = stats.get(t)!;
    const p = s.tp / (s.tp + s.fp);
    const r = s.tp / (s.tp + s.fn);
    lines.push(`${(STRUCTURED.has(t) ? t : `${t} (free text)`).padEnd(36)}${pad(s.tp, 6)}${pad(s.fp, 6)}${pad(s.fn, 6)}${pad(pct(p), 8)}${pad(pct(r), 8)}${pad(pct((2 * p * r) / (p + r)), 8)}`);
    for (const acc of STRUCTURED.has(t) ? [total, structured] : [total]) {
      acc.tp += s.tp;
      acc.fp += s.fp;
      acc.fn += s.fn;
    }
  }
  const sp = structured.tp / (structured.tp + structured.fp);
  const sr = structured.tp / (structured.tp + structured.fn);
  lines.push(`${'all structured types (micro)'.padEnd(36)}${pad(structured.tp, 6)}${pad(structured.fp, 6)}${pad(structured.fn, 6)}${pad(pct(sp), 8)}${pad(pct(sr), 8)}`);
  const ap = total.tp / (total.tp + total.fp);
  const ar = total.tp / (total.tp + total.fn);
  lines.push(`${'all types (micro)'.padEnd(36)}${pad(total.tp, 6)}${pad(total.fp, 6)}${pad(total.fn, 6)}${pad(pct(ap), 8)}${pad(pct(ar), 8)}`);
  const worstStructured = types.filter((t) => STRUCTURED.has(t)).map((t) => stats.get(t)!);
  const minP = Math.min(...worstStructured.map((s) => s.tp / (s.tp + s.fp || 1)));
  const minR = Math.min(...worstStructured.map((s) => s.tp / (s.tp + s.fn || 1)));
  return { table: lines.join('\n'), structuredP: minP, structuredR: minR };
}

interface RateRow {
  detection: number;
  falsePositive: number;
}

function evalInjection(rows: InjectionRow[], indirect: boolean): { rates: Record<InjectionSensitivity, RateRow>; byFamily: string; ms: number } {
  const started = process.hrtime.bigint();
  const scored = rows.map((r) => ({ r, score: scoreInjection(r.text, indirect).score }));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const pos = scored.filter((x) => x.r.label === 'injection');
  const neg = scored.filter((x) => x.r.label !== 'injection');
  const rates = {} as Record<InjectionSensitivity, RateRow>;
  for (const [sens, th] of Object.entries(INJECTION_THRESHOLDS) as [InjectionSensitivity, number][]) {
    rates[sens] = { detection: pos.filter((x) => x.score >= th).length / pos.length, falsePositive: neg.filter((x) => x.score >= th).length / neg.length };
  }
  const fam = new Map<string, { n: number; flagged: number }>();
  for (const x of scored) {
    const key = x.r.family ?? (x.r.source ?? 'unknown').split(/[:/]/)[0]!;
    const f = fam.get(key) ?? { n: 0, flagged: 0 };
    f.n++;
    if (x.score >= INJECTION_THRESHOLDS.MEDIUM) f.flagged++;
    fam.set(key, f);
  }
  const byFamily = [...fam.entries()]
    .sort()
    .map(([k, f]) => `  ${k.padEnd(28)}${pad(f.n, 5)}  flagged at MEDIUM ${pad(f.flagged, 4)}  (${pct(f.flagged / f.n)})`)
    .join('\n');
  return { rates, byFamily, ms };
}

function main(): void {
  const dir = corporaDir();
  const check = process.argv.includes('--check');
  console.log(`guardrails eval — corpora: ${dir}\n`);

  const pii = evalPii(readJsonl<PiiRow>(join(dir, 'pii.jsonl')));
  console.log(pii.table);

  const direct = evalInjection(readJsonl<InjectionRow>(join(dir, 'injection.jsonl')), false);
  const indirectRows = join(dir, 'indirect.jsonl');
  const indirect = existsSync(indirectRows) ? evalInjection(readJsonl<InjectionRow>(indirectRows), true) : null;
  console.log(`\nPrompt injection (thresholds ${JSON.stringify(INJECTION_THRESHOLDS)}; direct ${direct.ms.toFixed(0)} ms${indirect ? `, indirect ${indirect.ms.toFixed(0)} ms` : ''})`);
  console.log(`${'sensitivity'.padEnd(12)}${pad('direct detect', 15)}${pad('direct FP', 11)}${pad('indirect detect', 17)}${pad('indirect FP', 13)}`);
  for (const sens of ['LOW', 'MEDIUM', 'HIGH'] as const) {
    const d = direct.rates[sens];
    const i = indirect?.rates[sens];
    console.log(`${sens.padEnd(12)}${pad(pct(d.detection), 15)}${pad(pct(d.falsePositive), 11)}${pad(i ? pct(i.detection) : '-', 17)}${pad(i ? pct(i.falsePositive) : '-', 13)}`);
  }
  console.log(`\nDirect, by family:\n${direct.byFamily}`);
  if (indirect) console.log(`\nIndirect, by source:\n${indirect.byFamily}`);

  const med = direct.rates.MEDIUM;
  const misses = [
    pii.structuredP < 0.95 ? `a structured PII type has precision ${pct(pii.structuredP)} < 0.95` : null,
    pii.structuredR < 0.95 ? `a structured PII type has recall ${pct(pii.structuredR)} < 0.95` : null,
    med.detection < 0.9 ? `direct injection detection at MEDIUM ${pct(med.detection)} < 0.90` : null,
    med.falsePositive > 0.05 ? `direct injection FP at MEDIUM ${pct(med.falsePositive)} > 0.05` : null,
    indirect && indirect.rates.MEDIUM.detection < 0.9 ? `indirect detection at MEDIUM ${pct(indirect.rates.MEDIUM.detection)} < 0.90` : null,
    indirect && indirect.rates.MEDIUM.falsePositive > 0.05 ? `indirect FP at MEDIUM ${pct(indirect.rates.MEDIUM.falsePositive)} > 0.05` : null,
  ].filter((m): m is string => m !== null);
  console.log(misses.length === 0 ? '\nAll targets met.' : `\nTargets missed:\n- ${misses.join('\n- ')}`);
  if (check && misses.length > 0) process.exitCode = 1;
}

main();
