import { join } from 'node:path';
import { dataDir, devInjectionRows, isInjectionTrainingFile, readJsonl } from '../../../scripts/lib/guardrails-data';
import { INJECTION_THRESHOLDS, scoreInjection } from '../../../src/guardrails/engine/injection/injection-detector';

const MEDIUM = INJECTION_THRESHOLDS.MEDIUM;

interface Row {
  text: string;
  label: string;
  kind: string;
}

/**
 * Lane inj4: the learned layer retrained with `tune/inj4-direct.jsonl` (132 direct messages by ~60 kinds of users, seven
 * languages) beside the rules above. `tune/inj4-holdout-direct.jsonl` (84 direct messages by attack technique, written before
 * any change) is never trained on; this test pins the whole detector's figure on it at MEDIUM (before the lane: 32/41 attacks at
 * 2/43 false positives; the lane: 36/41). The model retrained with the evade lane's rows (the shipped model is what
 * `npm run guardrails:train` writes: engine-injection-model-reproducible) holds 35: one attack near the learned cut moved below it.
 */
describe('injection: direct messages, learned layer retrained (lane inj4)', () => {
  it('trains on inj4-* but never on inj4-holdout-*', () => {
    expect(isInjectionTrainingFile('inj4-direct.jsonl')).toBe(true);
    expect(isInjectionTrainingFile('inj4-holdout-direct.jsonl')).toBe(false);
    expect(isInjectionTrainingFile('inj3-holdout-genres.jsonl')).toBe(false);
    const trained = new Set(devInjectionRows().map((r) => r.text));
    const held = readJsonl<Row>(join(dataDir(), 'tune', 'inj4-holdout-direct.jsonl'));
    expect(held).toHaveLength(84);
    for (const r of held) expect(trained.has(r.text)).toBe(false);
  });

  it('the held-out direct messages: at least 35 of 41 attacks at MEDIUM, no false positive of 43', () => {
    const rows = readJsonl<Row>(join(dataDir(), 'tune', 'inj4-holdout-direct.jsonl'));
    const flagged = rows.map((r) => ({ attack: r.label === 'injection', hit: scoreInjection(r.text, r.kind === 'chunk').score >= MEDIUM }));
    expect(flagged.filter((x) => x.attack && x.hit).length).toBeGreaterThanOrEqual(35);
    expect(flagged.filter((x) => !x.attack && x.hit)).toHaveLength(0);
  });
});
