import { readFileSync } from 'node:fs';
import path from 'node:path';
import { blind1InjectionRows, dataDir, devInjectionRows, readJsonl } from '../../../scripts/lib/guardrails-data';

/**
 * The blind sets (`blind1/injection.jsonl`, `unseen/pii-blind1.jsonl`) were written by a separate
 * agent and are only ever scored in aggregate. They must be loaded as sealed evaluation data and
 * never reach the training rows that `npm run guardrails:train` reads. No row is printed here.
 */

describe('blind evaluation sets', () => {
  const dir = dataDir();

  it('blind1 loads as a balanced injection set with labels, kinds and six languages', () => {
    const rows = blind1InjectionRows(dir);
    expect(rows).toHaveLength(100);
    expect(rows.filter((r) => r.injection)).toHaveLength(50);
    expect(rows.filter((r) => r.indirect).length).toBeGreaterThan(50);
    expect(new Set(rows.map((r) => r.lang))).toEqual(new Set(['en', 'fr', 'es', 'de', 'pt', 'it']));
  });

  it('the training rows share no text with either blind set', () => {
    const train = new Set(devInjectionRows(dir).map((r) => r.text));
    const blindTexts = [...blind1InjectionRows(dir).map((r) => r.text), ...readJsonl<{ text: string }>(path.join(dir, 'unseen', 'pii-blind1.jsonl')).map((r) => r.text)];
    expect(blindTexts.length).toBeGreaterThan(150);
    expect(blindTexts.filter((t) => train.has(t))).toHaveLength(0);
  });

  it('the training script reads its rows through devInjectionRows only (dev/ and tune/), never a blind set', () => {
    const trainScript = readFileSync(path.join(__dirname, '../../../scripts/guardrails-train.ts'), 'utf8');
    expect(trainScript).toMatch(/devInjectionRows\(\)/);
    expect(trainScript).not.toMatch(/blind1|pii-blind1/);
  });

  it('every blind PII span is exact: its offsets cut out its value', () => {
    const rows = readJsonl<{ text: string; entities: { start: number; end: number; value: string }[] }>(path.join(dir, 'unseen', 'pii-blind1.jsonl'));
    const spans = rows.flatMap((r) => r.entities.map((e) => ({ cut: r.text.slice(e.start, e.end), value: e.value })));
    expect(spans.length).toBeGreaterThan(100);
    expect(spans.filter((s) => s.cut !== s.value)).toHaveLength(0);
  });
});
