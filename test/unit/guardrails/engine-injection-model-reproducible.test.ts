import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { devInjectionRows } from '../../../scripts/lib/guardrails-data';
import { trainModel } from '../../../scripts/lib/injection-train';
import { packModel } from '../../../src/guardrails/engine/injection/injection.classifier';

/**
 * The learned layer shipped in `injection-model.json` is exactly what `npm run guardrails:train` writes from the
 * repository's training data (the same steps as scripts/guardrails-train.ts): a model tuned by hand, trained on other
 * rows, or left behind by a change to the training data fails here.
 */
describe("injection learned layer: the shipped model is the training script's output", () => {
  it('retraining on dev/ and tune/ gives the shipped file byte for byte', () => {
    const rows = devInjectionRows();
    const file = packModel(trainModel(rows), `data/guardrails/dev (injection.jsonl + indirect.jsonl, ${rows.length} rows)`);
    const shipped = readFileSync(join(__dirname, '../../../src/guardrails/engine/injection/injection-model.json'), 'utf8');
    expect(`${JSON.stringify(file)}\n` === shipped).toBe(true);
  });
});
