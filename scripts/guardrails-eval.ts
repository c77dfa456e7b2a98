/**
 * Measures the local guardrail engine on the data in `data/guardrails` (in the repo):
 * - PII precision and recall per type, on the development and tuning sets and on the unseen sets;
 * - prompt-injection detection and false-positive rates per sensitivity and per family, on the
 *   held-out set and the independent sets (independent2, independent3, independent4, blind1, blind2 and blind3 in aggregate only; blind4 only with --with-blind4; blind5 only with --with-blind5; blind6 only with --with-blind6; blind7 only with --with-blind7) (the figure that counts: never tuned on, never trained on), on the development set
 *   with the learned layer trained leave-one-family-out (each family scored by a model that never saw
 *   it), and on the development set as fitted (the shipped model saw it: an upper bound).
 *
 *   npm run guardrails:eval                     (builds, then runs dist/scripts/guardrails-eval.js)
 *   GUARDRAILS_DATA=/path/to/data npm run guardrails:eval
 *   ... -- --with-blind4  also scores the sealed blind4/ injection set and unseen/pii-blind3 (aggregate only; off by default
 *                         so that lanes changing rules or models never see these figures by accident)
 *   ... -- --with-blind5  also scores the sealed blind5/ injection set and unseen/pii-blind4 (aggregate only, off by default,
 *                         for the same reason)
 *   ... -- --with-blind6  also scores the sealed blind6/ injection set and unseen/pii-blind5 (aggregate only, off by default,
 *                         for the same reason; split by direct/retrieved and English/other languages at most)
 *   ... -- --with-blind7  also scores the sealed blind7/ injection set and unseen/pii-blind6 (aggregate only, off by default,
 *                         for the same reason; split by direct/retrieved and English/other languages at most)
 *   ... -- --pii-probe-misses  lists the independent PII sets' probe-half errors (never the sealed half's)
 *   ... -- --check    exits 1 when a target is missed (structured PII P/R >= 0.95; unseen NAME/ADDRESS R >= 0.90 at P >= 0.95; injection >= 0.90 at FP <= 0.05, MEDIUM)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkText, compilePolicy, INJECTION_THRESHOLDS, scoreInjection } from '../src/guardrails/engine';
import { predict, shippedModel } from '../src/guardrails/engine/injection/injection.classifier';
import { combineLearned, featuresOf } from '../src/guardrails/engine/injection/injection-detector';
import { parseGuardrailPolicyConfig, type InjectionSensitivity, type PiiEntityType } from '../src/guardrails/guardrail-policy.schemas';
import {
  blind1InjectionRows,
  blind2InjectionRows,
  blind3InjectionRows,
  blind4InjectionRows,
  blind5InjectionRows,
  blind6InjectionRows,
  blind7InjectionRows,
  dataDir,
  devInjectionRows,
  heldoutInjectionRows,
  independent2InjectionRows,
  independent3InjectionRows,
  independent4InjectionRows,
  independentInjectionRows,
  piiBlind3Rows,
  piiBlind4Rows,
  piiBlind5Rows,
  piiBlind6Rows,
  readJsonl,
} from './lib/guardrails-data';
import { trainModel, type TrainRow } from './lib/injection-train';

interface PiiRow {
  id: string;
  text: string;
  entities: { type: PiiEntityType; start: number; end: number; value: string }[];
}
/** Types whose shape (and checksum where there is one) defines them; NAME and ADDRESS are free text. */
const STRUCTURED: ReadonlySet<string> = new Set([
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
  'US_PASSPORT_NUMBER',
  'DRIVER_ID',
]);

const pct = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '  -  ');
const pad = (s: string | number, n: number): string => String(s).padStart(n);

function evalPii(rows: PiiRow[], title: string): { table: string; structuredP: number; structuredR: number; stats: Map<string, { tp: number; fp: number; fn: number }> } {
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
  const lines = [`PII, ${title} (exact span and type; ${rows.length} rows, ${(chars / 1024).toFixed(0)} KB in ${ms.toFixed(0)} ms)`];
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
  return { table: lines.join('\n'), structuredP: minP, structuredR: minR, stats };
}

interface Scored {
  row: TrainRow;
  score: number;
}

function rates(scored: readonly Scored[]): Record<InjectionSensitivity, { detection: number; falsePositive: number }> {
  const pos = scored.filter((x) => x.row.injection);
  const neg = scored.filter((x) => !x.row.injection);
  const out = {} as Record<InjectionSensitivity, { detection: number; falsePositive: number }>;
  for (const [sens, th] of Object.entries(INJECTION_THRESHOLDS) as [InjectionSensitivity, number][]) {
    out[sens] = { detection: pos.filter((x) => x.score >= th).length / pos.length, falsePositive: neg.filter((x) => x.score >= th).length / neg.length };
  }
  return out;
}

function ratesTable(title: string, scored: readonly Scored[]): string {
  const lines = [
    title,
    `${'sensitivity'.padEnd(12)}${pad('detect', 9)}${pad('FP', 9)}   (${scored.filter((x) => x.row.injection).length} attacks, ${scored.filter((x) => !x.row.injection).length} benign)`,
  ];
  const r = rates(scored);
  for (const sens of ['LOW', 'MEDIUM', 'HIGH'] as const) lines.push(`${sens.padEnd(12)}${pad(pct(r[sens].detection), 9)}${pad(pct(r[sens].falsePositive), 9)}`);
  return lines.join('\n');
}

function familyTable(scored: readonly Scored[], key: (r: TrainRow) => string = (r) => r.group): string {
  const fam = new Map<string, { n: number; flagged: number; injection: boolean }>();
  for (const x of scored) {
    const k = key(x.row);
    const f = fam.get(k) ?? { n: 0, flagged: 0, injection: x.row.injection };
    f.n++;
    if (x.score >= INJECTION_THRESHOLDS.MEDIUM) f.flagged++;
    fam.set(k, f);
  }
  return [...fam.entries()]
    .sort(([a, fa], [b, fb]) => Number(fb.injection) - Number(fa.injection) || a.localeCompare(b))
    .map(([k, f]) => `  ${k.padEnd(28)}${pad(f.n, 5)}  ${f.injection ? 'detected' : 'false pos'} at MEDIUM ${pad(f.flagged, 4)}  (${pct(f.flagged / f.n)})`)
    .join('\n');
}

/** Rules-only score combined with a learned weight: the same noisy-OR the detector uses. */
function main(): void {
  const dir = dataDir();
  const check = process.argv.includes('--check');
  console.log(`guardrails eval — data: ${dir}\n`);

  const devPii = evalPii(readJsonl<PiiRow>(join(dir, 'dev', 'pii.jsonl')), 'development set');
  console.log(devPii.table);
  const tunePii = evalPii(readJsonl<PiiRow>(join(dir, 'tune', 'pii.jsonl')), 'tuning set (the former hand-written held-out rows; tuned on since)');
  console.log(`\n${tunePii.table}`);
  console.log(
    `\n${evalPii(readJsonl<PiiRow>(join(dir, 'tune', 'pii-addresses2.jsonl')), 'tuning set pii-addresses2 (addresses of 30 countries as businesses store them, look-alikes; tuned on)').table}`,
  );
  // The PII figure that counts: data/guardrails/unseen (generated by another method + hand-written later; never tuned on).
  const unseenGen = readJsonl<PiiRow>(join(dir, 'unseen', 'pii-generated.jsonl'));
  const unseenHand = readJsonl<PiiRow>(join(dir, 'unseen', 'pii-handwritten.jsonl'));
  console.log(`\n${evalPii(unseenGen, 'UNSEEN generated set (faker names/addresses in 30 locales, new templates)').table}`);
  console.log(`\n${evalPii(unseenHand, 'UNSEEN hand-written set').table}`);
  // Written by another hand and method (inline markup in structured genres), committed before the rules it measures changed.
  // Its `probe` half may be read row by row to find behaviours; its `sealed` half is only ever reported in aggregate.
  const unseenInd = readJsonl<PiiRow & { split: 'probe' | 'sealed' }>(join(dir, 'unseen', 'pii-independent.jsonl'));
  console.log(`\n${evalPii(unseenInd, 'UNSEEN independent set, both halves (structured genres, many cultures; written before its rules changed)').table}`);
  console.log(
    `\n${
      evalPii(
        unseenInd.filter((r) => r.split === 'probe'),
        'UNSEEN independent set, probe half (read while fixing: a probe)',
      ).table
    }`,
  );
  const sealedInd = unseenInd.filter((r) => r.split === 'sealed');
  console.log(`\n${evalPii(sealedInd, 'UNSEEN independent set, SEALED half (never read: the honest figure)').table}`);
  // A fourth set by a fourth method (realistic artefacts: CRM exports, shipping labels, HR letters, bookings, referrals,
  // forms in six languages), committed before the rules it measures changed; same probe/sealed discipline.
  const unseenInd2 = readJsonl<PiiRow & { split: 'probe' | 'sealed' }>(join(dir, 'unseen', 'pii-independent2.jsonl'));
  console.log(
    `\n${
      evalPii(
        unseenInd2.filter((r) => r.split === 'probe'),
        'UNSEEN independent2 set (artefacts, six languages), probe half (read while fixing: a probe)',
      ).table
    }`,
  );
  const sealedInd2 = unseenInd2.filter((r) => r.split === 'sealed');
  console.log(`\n${evalPii(sealedInd2, 'UNSEEN independent2 set, SEALED half (never read: the honest figure)').table}`);
  const hoPii = evalPii([...unseenGen, ...unseenHand, ...sealedInd, ...sealedInd2], 'UNSEEN sets together, without read rows (the PII figure that counts)');
  console.log(`\n${hoPii.table}`);
  // A blind set by another hand (a separate agent that never read the recognizers or the other corpora), wholly
  // sealed: aggregate figures only, no row listing exists for it.
  const blindPiiFile = join(dir, 'unseen', 'pii-blind1.jsonl');
  if (existsSync(blindPiiFile)) {
    console.log(`\n${evalPii(readJsonl<PiiRow>(blindPiiFile), 'BLIND1 PII set (another hand, never read by the rule authors; sealed, aggregate only)').table}`);
  }
  // A second blind PII set (another separate agent; documents a company stores), sealed the same way.
  const blind2PiiFile = join(dir, 'unseen', 'pii-blind2.jsonl');
  if (existsSync(blind2PiiFile)) {
    console.log(`\n${evalPii(readJsonl<PiiRow>(blind2PiiFile), 'BLIND2 PII set (another hand, never read by the rule authors; sealed, aggregate only)').table}`);
  }
  // unseen/pii-blind3 (written with blind4/ by a fourth separate agent): scored only when asked for with --with-blind4,
  // so that no lane changing the recognizers sees its figures by accident. Aggregate only, like the other blind sets.
  const withBlind4 = process.argv.includes('--with-blind4');
  const blind3Pii = piiBlind3Rows(dir) as PiiRow[];
  if (withBlind4 && blind3Pii.length > 0) {
    console.log(`\n${evalPii(blind3Pii, 'BLIND4 PII set unseen/pii-blind3 (a fourth hand, never read by the rule authors; sealed, aggregate only)').table}`);
  }
  // unseen/pii-blind4 (written with blind5/ by a fifth separate agent): scored only with --with-blind5, aggregate only.
  const withBlind5 = process.argv.includes('--with-blind5');
  const blind4Pii = piiBlind4Rows(dir) as PiiRow[];
  if (withBlind5 && blind4Pii.length > 0) {
    console.log(`\n${evalPii(blind4Pii, 'BLIND5 PII set unseen/pii-blind4 (a fifth hand, never read by the rule authors; sealed, aggregate only)').table}`);
  }
  // unseen/pii-blind5 (written with blind6/ by a sixth separate agent): scored only with --with-blind6, aggregate only.
  const withBlind6 = process.argv.includes('--with-blind6');
  const blind5Pii = piiBlind5Rows(dir) as PiiRow[];
  if (withBlind6 && blind5Pii.length > 0) {
    console.log(`\n${evalPii(blind5Pii, 'BLIND6 PII set unseen/pii-blind5 (a sixth hand, never read by the rule authors; sealed, aggregate only)').table}`);
  }
  // unseen/pii-blind6 (written with blind7/ by a seventh separate agent): scored only with --with-blind7, aggregate only.
  const withBlind7 = process.argv.includes('--with-blind7');
  const blind6Pii = piiBlind6Rows(dir) as PiiRow[];
  if (withBlind7 && blind6Pii.length > 0) {
    console.log(`\n${evalPii(blind6Pii, 'BLIND7 PII set unseen/pii-blind6 (a seventh hand, never read by the rule authors; sealed, aggregate only)').table}`);
  }

  const model = shippedModel();
  const dev = devInjectionRows(dir);
  const heldout = heldoutInjectionRows(dir);
  const t0 = process.hrtime.bigint();
  const devRulesFull = dev.map((row) => scoreInjection(row.text, row.indirect, null));
  const devRules = dev.map((row, i) => ({ row, score: devRulesFull[i]!.score }));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const hoRules = heldout.map((row) => ({ row, score: scoreInjection(row.text, row.indirect, null).score }));
  const hoFull = heldout.map((row) => ({ row, score: scoreInjection(row.text, row.indirect).score }));

  console.log(
    `\nPrompt injection (thresholds ${JSON.stringify(INJECTION_THRESHOLDS)}; rules pass over the dev set ${ms.toFixed(0)} ms; learned layer ${model ? 'shipped' : 'NOT TRAINED (npm run guardrails:train)'})`,
  );
  console.log(`\n${ratesTable('HELD-OUT set, rules + shipped model (the figure that counts)', hoFull)}`);
  console.log(`Held-out, by family:\n${familyTable(hoFull)}`);
  console.log(`Held-out, by language:\n${familyTable(hoFull, (r) => `${r.injection ? 'attack' : 'benign'}:${(r as TrainRow & { lang: string }).lang}`)}`);
  console.log(`\n${ratesTable('HELD-OUT set, rules only', hoRules)}`);

  // The independent set: written after the rules, by another method; its sealed half is never read row by row.
  const independent = independentInjectionRows(dir);
  const indFull = independent.map((row) => ({ row, score: scoreInjection(row.text, row.indirect).score }));
  if (indFull.length > 0) {
    console.log(`\n${ratesTable('INDEPENDENT set, all rows, rules + shipped model', indFull)}`);
    const sealed = indFull.filter((x) => (x.row as (typeof independent)[number]).split === 'sealed');
    console.log(`\n${ratesTable('INDEPENDENT set, SEALED half (never looked at row by row)', sealed)}`);
    console.log(
      `\n${ratesTable(
        'INDEPENDENT set, probe half (read to find missed behaviours)',
        indFull.filter((x) => !sealed.includes(x)),
      )}`,
    );
    console.log(`Independent, by family (all rows):\n${familyTable(indFull)}`);
    console.log(`Independent, by language (all rows):\n${familyTable(indFull, (r) => `${r.injection ? 'attack' : 'benign'}:${(r as TrainRow & { lang: string }).lang}`)}`);
    if (process.argv.includes('--probe-misses')) {
      // Only the probe half, ever: the rows a change may be motivated by.
      for (const x of indFull.filter((y) => !sealed.includes(y) && y.score >= INJECTION_THRESHOLDS.MEDIUM !== y.row.injection))
        console.log(`  probe ${x.row.injection ? 'MISS' : 'FALSE POSITIVE'} ${x.row.group} ${x.score.toFixed(2)}: ${x.row.text.slice(0, 160).replace(/\n/g, ' ')}`);
    }
  }

  // The third set (contrastive pairs): aggregate figures only, by design (no family or row listing).
  const independent2 = independent2InjectionRows(dir);
  if (independent2.length > 0) {
    const ind2 = independent2.map((row) => ({ row, score: scoreInjection(row.text, row.indirect).score }));
    console.log(`\n${ratesTable('INDEPENDENT2 set (person vs model addressed; aggregate only), rules + shipped model', ind2)}`);
    const ind2Rules = independent2.map((row) => ({ row, score: scoreInjection(row.text, row.indirect, null).score }));
    console.log(`\n${ratesTable('INDEPENDENT2 set, rules only', ind2Rules)}`);
  }

  // The fifth set (independent3/: factorial design over new genres): wholly sealed, aggregate figures only.
  const independent3 = independent3InjectionRows(dir);
  if (independent3.length > 0) {
    const ind3 = independent3.map((row) => ({ row, score: scoreInjection(row.text, row.indirect).score }));
    console.log(`\n${ratesTable('INDEPENDENT3 set (new genres, factorial design; sealed, aggregate only), rules + shipped model', ind3)}`);
    const ind3Rules = independent3.map((row) => ({ row, score: scoreInjection(row.text, row.indirect, null).score }));
    console.log(`\n${ratesTable('INDEPENDENT3 set, rules only', ind3Rules)}`);
  }

  // The sixth set (independent4/: pasted support artefacts with attacks as incidents were reported): wholly sealed, aggregate only.
  const independent4 = independent4InjectionRows(dir);
  if (independent4.length > 0) {
    const ind4 = independent4.map((row) => ({ row, score: scoreInjection(row.text, row.indirect).score }));
    console.log(`\n${ratesTable('INDEPENDENT4 set (pasted support artefacts, incident-style attacks; sealed, aggregate only), rules + shipped model', ind4)}`);
    const ind4Rules = independent4.map((row) => ({ row, score: scoreInjection(row.text, row.indirect, null).score }));
    console.log(`\n${ratesTable('INDEPENDENT4 set, rules only', ind4Rules)}`);
  }

  // blind1/: written by a separate agent that never read the rules or the other corpora; wholly sealed, aggregate only.
  const blind1 = blind1InjectionRows(dir);
  if (blind1.length > 0) {
    console.log(
      `\n${ratesTable(
        'BLIND1 set (another hand, never read by the rule authors; sealed, aggregate only), rules + shipped model',
        blind1.map((row) => ({ row, score: scoreInjection(row.text, row.indirect).score })),
      )}`,
    );
    console.log(
      `\n${ratesTable(
        'BLIND1 set, rules only',
        blind1.map((row) => ({ row, score: scoreInjection(row.text, row.indirect, null).score })),
      )}`,
    );
  }

  // blind2/: another separate agent, by deployment scenario; wholly sealed, aggregate only (no family, language or row listing).
  const blind2 = blind2InjectionRows(dir);
  if (blind2.length > 0) {
    console.log(
      `\n${ratesTable(
        'BLIND2 set (another hand, by deployment scenario, never read by the rule authors; sealed, aggregate only), rules + shipped model',
        blind2.map((row) => ({ row, score: scoreInjection(row.text, row.indirect).score })),
      )}`,
    );
    console.log(
      `\n${ratesTable(
        'BLIND2 set, rules only',
        blind2.map((row) => ({ row, score: scoreInjection(row.text, row.indirect, null).score })),
      )}`,
    );
  }

  // blind3/: a third separate agent, conversations with real products (10 kinds of users, all direct input);
  // wholly sealed, aggregate only (no family, language, user or row listing).
  const blind3 = blind3InjectionRows(dir);
  if (blind3.length > 0) {
    console.log(
      `\n${ratesTable(
        'BLIND3 set (another hand, direct messages by 10 kinds of users, never read by the rule authors; sealed, aggregate only), rules + shipped model',
        blind3.map((row) => ({ row, score: scoreInjection(row.text, row.indirect).score })),
      )}`,
    );
    console.log(
      `\n${ratesTable(
        'BLIND3 set, rules only',
        blind3.map((row) => ({ row, score: scoreInjection(row.text, row.indirect, null).score })),
      )}`,
    );
  }

  // blind4/: a fourth separate agent, by attacker objective (12 objectives, 5 attacks + 5 hard benign each, direct and
  // retrieved); scored only with --with-blind4, wholly sealed, aggregate only (by kind at most: no objective, language or row listing).
  const blind4 = blind4InjectionRows(dir);
  if (withBlind4 && blind4.length > 0) {
    const full = blind4.map((row) => ({ row, score: scoreInjection(row.text, row.indirect).score }));
    console.log(`\n${ratesTable('BLIND4 set (a fourth hand, by attacker objective, never read by the rule authors; sealed, aggregate only), rules + shipped model', full)}`);
    console.log(
      `\n${ratesTable(
        'BLIND4 set, direct user input only, rules + shipped model',
        full.filter((x) => !x.row.indirect),
      )}`,
    );
    console.log(
      `\n${ratesTable(
        'BLIND4 set, retrieved chunks only, rules + shipped model',
        full.filter((x) => x.row.indirect),
      )}`,
    );
    console.log(
      `\n${ratesTable(
        'BLIND4 set, rules only',
        blind4.map((row) => ({ row, score: scoreInjection(row.text, row.indirect, null).score })),
      )}`,
    );
  } else if (blind4.length > 0) {
    console.log('\nBLIND4 set and unseen/pii-blind3 not scored (sealed; pass --with-blind4 to print their aggregate figures).');
  }

  // blind5/: a fifth separate agent, by deployment scenario (12 products, 6 attacks — half direct, half retrieved or tool
  // content — and 6 hard benign each); scored only with --with-blind5, wholly sealed, aggregate only (by kind at most: no
  // scenario, language or row listing).
  const blind5 = blind5InjectionRows(dir);
  if (withBlind5 && blind5.length > 0) {
    const full = blind5.map((row) => ({ row, score: scoreInjection(row.text, row.indirect).score }));
    console.log(`\n${ratesTable('BLIND5 set (a fifth hand, by deployment scenario, never read by the rule authors; sealed, aggregate only), rules + shipped model', full)}`);
    console.log(
      `\n${ratesTable(
        'BLIND5 set, direct user input only, rules + shipped model',
        full.filter((x) => !x.row.indirect),
      )}`,
    );
    console.log(
      `\n${ratesTable(
        'BLIND5 set, retrieved chunks only, rules + shipped model',
        full.filter((x) => x.row.indirect),
      )}`,
    );
    console.log(
      `\n${ratesTable(
        'BLIND5 set, rules only',
        blind5.map((row) => ({ row, score: scoreInjection(row.text, row.indirect, null).score })),
      )}`,
    );
  } else if (blind5.length > 0) {
    console.log('\nBLIND5 set and unseen/pii-blind4 not scored (sealed; pass --with-blind5 to print their aggregate figures).');
  }

  // blind6/: a sixth separate agent, by the attacker's channel x intent (10 channels x 5 intents, hard benign rows in
  // every channel, English and seven other languages); scored only with --with-blind6, wholly sealed, aggregate only
  // (by kind and English/other languages at most: no channel, intent, single language or row listing).
  const blind6 = blind6InjectionRows(dir);
  if (withBlind6 && blind6.length > 0) {
    const full = blind6.map((row) => ({ row, score: scoreInjection(row.text, row.indirect).score }));
    console.log(`\n${ratesTable('BLIND6 set (a sixth hand, by channel x intent, never read by the rule authors; sealed, aggregate only), rules + shipped model', full)}`);
    console.log(
      `\n${ratesTable(
        'BLIND6 set, direct user input only, rules + shipped model',
        full.filter((x) => !x.row.indirect),
      )}`,
    );
    console.log(
      `\n${ratesTable(
        'BLIND6 set, retrieved chunks only, rules + shipped model',
        full.filter((x) => x.row.indirect),
      )}`,
    );
    console.log(
      `\n${ratesTable(
        'BLIND6 set, English only, rules + shipped model',
        full.filter((x) => x.row.lang === 'en'),
      )}`,
    );
    console.log(
      `\n${ratesTable(
        'BLIND6 set, the seven other languages together, rules + shipped model',
        full.filter((x) => x.row.lang !== 'en'),
      )}`,
    );
    console.log(
      `\n${ratesTable(
        'BLIND6 set, rules only',
        blind6.map((row) => ({ row, score: scoreInjection(row.text, row.indirect, null).score })),
      )}`,
    );
  } else if (blind6.length > 0) {
    console.log('\nBLIND6 set and unseen/pii-blind5 not scored (sealed; pass --with-blind6 to print their aggregate figures).');
  }

  // blind7/: a seventh separate agent, by evasion technique x payload (10 techniques, hard benign rows in the same
  // formats for each, English and five other languages); scored only with --with-blind7, wholly sealed, aggregate only
  // (by kind and English/other languages at most: no technique, single language or row listing).
  const blind7 = blind7InjectionRows(dir);
  if (withBlind7 && blind7.length > 0) {
    const full = blind7.map((row) => ({ row, score: scoreInjection(row.text, row.indirect).score }));
    console.log(`\n${ratesTable('BLIND7 set (a seventh hand, by evasion technique x payload, never read by the rule authors; sealed, aggregate only), rules + shipped model', full)}`);
    console.log(
      `\n${ratesTable(
        'BLIND7 set, direct user input only, rules + shipped model',
        full.filter((x) => !x.row.indirect),
      )}`,
    );
    console.log(
      `\n${ratesTable(
        'BLIND7 set, retrieved chunks only, rules + shipped model',
        full.filter((x) => x.row.indirect),
      )}`,
    );
    console.log(
      `\n${ratesTable(
        'BLIND7 set, English only, rules + shipped model',
        full.filter((x) => x.row.lang === 'en'),
      )}`,
    );
    console.log(
      `\n${ratesTable(
        'BLIND7 set, the five other languages together, rules + shipped model',
        full.filter((x) => x.row.lang !== 'en'),
      )}`,
    );
    console.log(
      `\n${ratesTable(
        'BLIND7 set, rules only',
        blind7.map((row) => ({ row, score: scoreInjection(row.text, row.indirect, null).score })),
      )}`,
    );
  } else if (blind7.length > 0) {
    console.log('\nBLIND7 set and unseen/pii-blind6 not scored (sealed; pass --with-blind7 to print their aggregate figures).');
  }

  // probe3/ (inj2 lane: support macros, code reviews, policies, CLI docs, DPAs, postmortems, runbooks,
  // marketing e-mails, READMEs) and probe4/ (inj lane: forum posts, commit messages, claims, SMS, API
  // docs, calendars, forms, short notices in six languages) were written to find which rules misfire.
  // They are read row by row (`-- --probe3-rows`, `-- --probe4-rows`), so they are probes, not unseen sets.
  for (const [name, title] of [
    ['probe3', 'PROBE3 set (new genres; read row by row: a probe, not unseen)'],
    ['probe4', 'PROBE4 set (more genres, six languages; read row by row: a probe, not unseen)'],
    ['probe5', 'PROBE5 set (benign texts with the shapes of strong rules; read row by row: a probe)'],
    ['probe6', 'PROBE6 set (labels, AI-product texts, legit sending/deleting/refunds; agents addressed in new genres; read row by row: a probe)'],
    ['probe7', 'PROBE7 set (incident-style attacks in pasted artefacts and benign twins; read row by row: a probe)'],
    ['probe8', 'PROBE8 set (benign KB articles, terms, UX copy, policies, tickets in attack vocabulary, and attacks in the same genres; a probe)'],
    ['probe9', 'PROBE9 set (vendor e-mails, tool docs, chat exports, reviews, contracts, READMEs; scored once before its fixes; a probe)'],
    ['probe10', 'PROBE10 set (benign only: support replies, FAQs, admin guides, offboarding, changelogs, legal, recipes in attack vocabulary; a probe)'],
    ['probe11', 'PROBE11 set (documentation example commands, "for your shop" product copy, marketing replies, admin abilities, and attacks of the same shapes; a probe)'],
    [
      'probe12',
      'PROBE12 set (runbooks and docs that send data or run commands, GDPR procedures, prompt-engineering docs, chatbot pages, robots.txt and bot allowlists, agent tool outputs, and attacks in the same genres; six languages; a probe)',
    ],
    ['probe13', 'PROBE13 set (direct messages by 10 kinds of users: overrides, extraction, modes, encodings, and benign talk about attacks; a probe)'],
  ] as const) {
    const file = join(dir, name, 'injection.jsonl');
    if (!existsSync(file)) continue;
    const rows = readJsonl<{ id: string; kind: string; label: string; family: string; text: string }>(file).map((r) => ({
      text: r.text,
      injection: r.label === 'injection',
      indirect: r.kind === 'chunk',
      group: r.family,
      id: r.id,
    }));
    const full = rows.map((row) => ({ row, score: scoreInjection(row.text, row.indirect).score }));
    console.log(`\n${ratesTable(`${title}, rules + shipped model`, full)}`);
    console.log(
      `\n${ratesTable(
        `${name.toUpperCase()} set, rules only`,
        rows.map((row) => ({ row, score: scoreInjection(row.text, row.indirect, null).score })),
      )}`,
    );
    if (process.argv.includes(`--${name}-rows`)) {
      for (const x of full.filter((y) => y.score >= INJECTION_THRESHOLDS.MEDIUM !== y.row.injection)) {
        const hits = scoreInjection(x.row.text, x.row.indirect).hits.map((f) => `${f.id}:${f.weight.toFixed(2)}`);
        console.log(`  ${name} ${x.row.injection ? 'MISS' : 'FALSE POSITIVE'} ${x.row.id} ${x.score.toFixed(2)} [${hits.join(' ')}]: ${x.row.text.slice(0, 140).replace(/\n/g, ' ')}`);
      }
    }
  }

  // Leave-one-family-out: the learned layer is retrained without the family it then scores.
  const feats = dev.map((r) => featuresOf(r.text, r.indirect));
  // The families of dev/ and the first tune file; the other tune files' many small groups are cross-validated by `npm run guardrails:cv`.
  const groups = [...new Set(dev.map((r) => r.group))].filter((g) => !g.startsWith('wide_'));
  const lofo: Scored[] = [];
  for (const g of groups) {
    const m = trainModel(dev.filter((r) => r.group !== g));
    dev.forEach((row, i) => {
      if (row.group === g) lofo.push({ row, score: combineLearned(devRulesFull[i]!, predict(m, feats[i]!), row.indirect) });
    });
  }
  console.log(`\n${ratesTable('DEV set, leave-one-family-out (each family scored by a model trained without it)', lofo)}`);
  console.log(`Dev LOFO, by family:\n${familyTable(lofo)}`);
  console.log(`\n${ratesTable('DEV set, rules only', devRules)}`);
  if (model) {
    const fitted = dev.map((row, i) => ({ row, score: combineLearned(devRulesFull[i]!, predict(model, feats[i]!), row.indirect) }));
    console.log(`\n${ratesTable('DEV set, rules + shipped model (fitted: the model was trained on these rows)', fitted)}`);
  }

  const med = rates(hoFull).MEDIUM;
  const free = (t: string) => hoPii.stats.get(t);
  const misses = [
    devPii.structuredP < 0.95 || hoPii.structuredP < 0.95 ? `a structured PII type has precision < 0.95` : null,
    devPii.structuredR < 0.95 || hoPii.structuredR < 0.95 ? `a structured PII type has recall < 0.95` : null,
    ...(['NAME', 'ADDRESS'] as const).map((t) => {
      const s = free(t);
      if (!s) return null;
      const p = s.tp / (s.tp + s.fp || 1);
      const r = s.tp / (s.tp + s.fn || 1);
      return r < 0.9 || p < 0.95 ? `unseen ${t} P ${pct(p)} R ${pct(r)} (target R >= 0.90 at P >= 0.95)` : null;
    }),
    med.detection < 0.9 ? `held-out injection detection at MEDIUM ${pct(med.detection)} < 0.90` : null,
    med.falsePositive > 0.05 ? `held-out injection FP at MEDIUM ${pct(med.falsePositive)} > 0.05` : null,
  ].filter((m): m is string => m !== null);
  console.log(misses.length === 0 ? '\nAll targets met.' : `\nTargets missed:\n- ${misses.join('\n- ')}`);
  if (process.argv.includes('--pii-probe-misses')) {
    // Row-level misses of the independent set's probe half only (never the sealed half's).
    const types = ['NAME', 'ADDRESS', 'PHONE', 'EMAIL'] as const;
    const policy = compilePolicy(parseGuardrailPolicyConfig({ pii: { entities: types.map((type) => ({ type, action: 'ANONYMIZE' })) } }));
    console.log('\nIndependent PII sets, probe halves, misses (FN) and false positives (FP):');
    for (const row of [...unseenInd, ...unseenInd2].filter((r) => r.split === 'probe')) {
      const found = checkText(policy, 'OUTPUT', row.text).findings.filter((f) => f.kind === 'PII');
      for (const f of found)
        if (!row.entities.some((e) => e.type === f.name && e.start === f.start && e.end === f.end))
          console.log(`  FP ${f.name} ${JSON.stringify(row.text.slice(f.start, f.end))} in ${JSON.stringify(row.text)}`);
      for (const e of row.entities)
        if (!found.some((f) => f.name === e.type && f.start === e.start && f.end === e.end)) console.log(`  FN ${e.type} ${JSON.stringify(e.value)} in ${JSON.stringify(row.text)}`);
    }
  }
  if (check && misses.length > 0) process.exitCode = 1;
}

main();
