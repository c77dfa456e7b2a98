/**
 * Cross-validation of the injection detector's learned layer beside the rules, on the data it may be
 * trained on (`dev/` and `tune/`) and on the probes (never trained on), never on a sealed set.
 *
 * - CV: the training groups (a row's family or source, per file) are dealt into K folds by a hash of
 *   their name; each fold is scored by a model trained on the other folds (leave-groups-out: a fold's
 *   genres and kinds of users are unseen by its model). The rules are the shipped rules.
 * - Fitted: the same rows scored by a model trained on every row (an upper bound).
 * - Probes (`probe*`): scored by the model trained on every dev/tune row; the probes are not in its
 *   training data, but the rules were tuned on them.
 *
 *   npm run guardrails:cv                 (prints the figures at MEDIUM)
 *   npm run guardrails:cv -- --dump FILE  (also writes each row's rule hits and model probability)
 *   npm run guardrails:cv -- --with-probes (the probes join the folds: what training on them would give)
 *   CV_EPOCHS, CV_LR, CV_L2                (training options, default those of guardrails:train)
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { combineLearned, INJECTION_THRESHOLDS, scoreInjection } from '../src/guardrails/engine/injection/injection-detector';
import { predict, type InjectionModel } from '../src/guardrails/engine/injection/injection.classifier';
import { featuresOf } from '../src/guardrails/engine/injection/injection-detector';
import { dataDir, devInjectionRows, readJsonl } from './lib/guardrails-data';
import { trainModel, type TrainRow } from './lib/injection-train';

const K = 8;

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

interface Scored {
  part: string;
  row: TrainRow;
  rules: ReturnType<typeof scoreInjection>;
  p: number;
}

function rate(xs: Scored[], injection: boolean, threshold: number): string {
  const sel = xs.filter((x) => x.row.injection === injection);
  const hit = sel.filter((x) => combineLearned(x.rules, x.p, x.row.indirect) >= threshold).length;
  return `${String(hit).padStart(4)}/${String(sel.length).padEnd(4)} ${sel.length ? (hit / sel.length).toFixed(3) : '  -  '}`;
}

function table(title: string, xs: Scored[]): void {
  const t = INJECTION_THRESHOLDS.MEDIUM;
  console.log(`${title.padEnd(46)} detect ${rate(xs, true, t)}   FP ${rate(xs, false, t)}`);
}

function main(): void {
  const dir = dataDir();
  const dev = devInjectionRows(dir);
  const part = (r: TrainRow, i: number): string =>
    i < 802
      ? 'dev-direct'
      : i < 1002
        ? 'dev-indirect'
        : r.group.startsWith('wide_')
          ? 'tune-wide'
          : r.group.startsWith('docs_')
            ? 'tune-docs'
            : r.group.startsWith('inj3_')
              ? 'tune-inj3'
              : r.group.startsWith('inj4_')
                ? 'tune-inj4'
                : 'tune';
  const probeRows: { part: string; row: TrainRow }[] = [];
  for (const set of readdirSync(dir)
    .filter((d) => /^probe\d+$/.test(d))
    .sort()) {
    for (const r of readJsonl<{ text: string; label: string; kind?: string; family?: string }>(join(dir, set, 'injection.jsonl')))
      probeRows.push({ part: set, row: { text: r.text, injection: r.label === 'injection', indirect: r.kind === 'chunk', group: `${set}:${r.family ?? ''}` } });
  }
  // --with-probes: the probes join the pool (trained on in the other folds) instead of being scored apart.
  const withProbes = process.argv.includes('--with-probes');
  const rows = withProbes ? [...dev, ...probeRows.map((p) => p.row)] : dev;
  const parts = [...dev.map(part), ...(withProbes ? probeRows.map(() => 'probes') : [])];
  const opts = { epochs: Number(process.env.CV_EPOCHS ?? 12), lr: Number(process.env.CV_LR ?? 2), l2: Number(process.env.CV_L2 ?? 1e-5) };
  const fold = rows.map((r, i) => fnv(`${parts[i]}:${r.group}`) % K);
  const rules = rows.map((r) => scoreInjection(r.text, r.indirect, null));
  const feats = rows.map((r) => featuresOf(r.text, r.indirect));
  const cv: Scored[] = [];
  for (let k = 0; k < K; k++) {
    const model = trainModel(
      rows.filter((_, i) => fold[i] !== k),
      opts,
    );
    rows.forEach((row, i) => {
      if (fold[i] === k) cv.push({ part: parts[i]!, row, rules: rules[i]!, p: predict(model, feats[i]!) });
    });
  }
  const all: InjectionModel = trainModel(rows, opts);
  const fitted: Scored[] = rows.map((row, i) => ({ part: parts[i]!, row, rules: rules[i]!, p: predict(all, feats[i]!) }));
  const probes: Scored[] = withProbes
    ? []
    : probeRows.map(({ part: set, row }) => ({ part: set, row, rules: scoreInjection(row.text, row.indirect, null), p: predict(all, featuresOf(row.text, row.indirect)) }));
  console.log(`MEDIUM (${INJECTION_THRESHOLDS.MEDIUM}), rules + learned layer; ${rows.length} dev/tune rows in ${K} folds of whole groups`);
  for (const p of ['dev-direct', 'dev-indirect', 'tune', 'tune-wide', 'tune-docs', 'tune-inj3', 'tune-inj4', ...(withProbes ? ['probes'] : [])]) {
    table(
      `CV (groups unseen by the model): ${p}`,
      cv.filter((x) => x.part === p),
    );
    table(
      `fitted (model saw the rows): ${p}`,
      fitted.filter((x) => x.part === p),
    );
  }
  table(
    'CV: tune-wide direct',
    cv.filter((x) => x.part === 'tune-wide' && !x.row.indirect),
  );
  table(
    'CV: tune-wide chunk',
    cv.filter((x) => x.part === 'tune-wide' && x.row.indirect),
  );
  table(
    'CV: tune-inj3 direct',
    cv.filter((x) => x.part === 'tune-inj3' && !x.row.indirect),
  );
  table(
    'CV: tune-inj3 chunk',
    cv.filter((x) => x.part === 'tune-inj3' && x.row.indirect),
  );
  if (!withProbes) table('probes (never trained on; rules tuned on them)', probes);
  const dump = process.argv.indexOf('--dump');
  if (dump > 0) {
    const out = [...cv.map((x) => ({ ...x, mode: x.part === 'probes' ? 'probe' : 'cv' })), ...probes.map((x) => ({ ...x, mode: 'probe' }))].map((x) => ({
      mode: x.mode,
      part: x.part,
      group: x.row.group,
      injection: x.row.injection,
      indirect: x.row.indirect,
      p: x.p,
      hits: x.rules.hits.map((h) => ({ id: h.id, group: h.group ?? null, weight: h.weight })),
      text: x.row.text.slice(0, 160),
    }));
    writeFileSync(process.argv[dump + 1]!, out.map((o) => JSON.stringify(o)).join('\n'));
  }
}

main();
