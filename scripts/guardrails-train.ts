/**
 * Trains the injection detector's learned layer on the development corpora (`data/guardrails/dev`,
 * never `heldout/`) and writes `src/guardrails/engine/injection/injection-model.json`.
 * Deterministic: same data, same model.
 *
 *   npm run guardrails:train
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { packModel } from '../src/guardrails/engine/injection/injection.classifier';
import { devInjectionRows } from './lib/guardrails-data';
import { trainModel } from './lib/injection-train';

function main(): void {
  const rows = devInjectionRows();
  const t0 = Date.now();
  const model = trainModel(rows);
  const file = packModel(model, `data/guardrails/dev (injection.jsonl + indirect.jsonl, ${rows.length} rows)`);
  const out = resolve(__dirname, '../../src/guardrails/engine/injection/injection-model.json');
  writeFileSync(out, `${JSON.stringify(file)}\n`);
  console.log(`trained on ${rows.length} rows in ${Date.now() - t0} ms -> ${out} (${(JSON.stringify(file).length / 1024).toFixed(0)} KB)`);
}

main();
