import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { scoreInjection } from '../../../src/guardrails/engine';
import { shippedModel, type InjectionModel } from '../../../src/guardrails/engine/injection/injection.classifier';

/**
 * The learned layer scores the shipped model through a compact table (int8 weight codes and 8-bit
 * text stamps in one 16-bit cell per bucket). It must give exactly what the float weights give:
 * the same scores to the last bit, on every corpus text, across the wrap of the 8-bit stamps.
 */

const DATA = path.join(__dirname, '../../../data/guardrails');

function corpusTexts(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(DATA, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(path.join(DATA, dir.name))) {
      if (!f.endsWith('.jsonl') || f.startsWith('pii')) continue;
      for (const line of readFileSync(path.join(DATA, dir.name, f), 'utf8').split('\n')) if (line.trim()) out.push((JSON.parse(line) as { text: string }).text);
    }
  }
  return out;
}

describe('learned layer: compact table', () => {
  const shipped = shippedModel()!;
  // The same model without its int8 form: scored through the float weights.
  const float: InjectionModel = { bias: shipped.bias, weights: shipped.weights };

  it('the shipped model carries its int8 weights, and they are the float weights exactly', () => {
    expect(shipped.quantized).toBeDefined();
    const { int8, scale } = shipped.quantized!;
    let nonZero = 0;
    let differ = 0;
    for (let f = 0; f < shipped.weights.length; f++) {
      if (shipped.weights[f] !== Math.fround(int8[f]! * scale)) differ++;
      if (int8[f] !== 0) nonZero++;
    }
    expect(differ).toBe(0);
    expect(nonZero).toBeGreaterThan(1000);
  });

  it('scores every injection corpus text (direct and as a chunk) exactly as the float weights do, past the 255-text stamp wrap (thousands of texts)', () => {
    const texts = corpusTexts();
    expect(texts.length).toBeGreaterThan(1000);
    let learned = 0;
    const differ: string[] = [];
    for (const t of texts) {
      for (const indirect of [false, true]) {
        const a = scoreInjection(t, indirect);
        const b = scoreInjection(t, indirect, float);
        if (JSON.stringify(a) !== JSON.stringify(b)) differ.push(t.slice(0, 60));
        if (a.hits.some((h) => h.id === 'learned')) learned++;
      }
    }
    expect(differ).toEqual([]);
    // The layer did speak on many of them (the comparison is not between two silent layers).
    expect(learned).toBeGreaterThan(200);
  });
});
