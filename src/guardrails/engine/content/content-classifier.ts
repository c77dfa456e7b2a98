import type { ContentCategoryName, FilterStrength } from '../../guardrail-policy.schemas';
import { CONTENT_LEXICON } from './content.lexicon';

/** Bedrock's confidence levels, from a 0..1 score. */
export type Confidence = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH';

export function confidenceOf(score: number): Confidence {
  if (score >= 0.8) return 'HIGH';
  if (score >= 0.55) return 'MEDIUM';
  if (score >= 0.3) return 'LOW';
  return 'NONE';
}

const RANK: Record<Confidence, number> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3 };
/** Bedrock semantics: HIGH strength blocks LOW+ confidence, MEDIUM blocks MEDIUM+, LOW blocks HIGH only. */
const MIN_CONFIDENCE: Record<FilterStrength, number> = { HIGH: 1, MEDIUM: 2, LOW: 3 };

export function strengthBlocks(strength: FilterStrength, confidence: Confidence): boolean {
  return RANK[confidence] >= MIN_CONFIDENCE[strength];
}

/** One category's verdict on a window of text. */
export interface ContentHit {
  category: ContentCategoryName;
  score: number;
  confidence: Confidence;
  /** The strongest matched term, in window coordinates. */
  match: string;
  start: number;
  end: number;
}

/** A compiled classifier for the configured categories. */
export interface ContentClassifier {
  /** Categories whose confidence reaches their configured strength. */
  classify(window: string): ContentHit[];
  /** True when any term of a configured category occurs (it may add up with the next sentences). */
  mentions(text: string): boolean;
}

export function compileContentClassifier(categories: readonly { category: ContentCategoryName; strength?: FilterStrength }[]): ContentClassifier | null {
  if (categories.length === 0) return null;
  const compiled = categories.map((c) => ({
    category: c.category,
    strength: c.strength ?? 'MEDIUM',
    terms: CONTENT_LEXICON[c.category].map((t) => ({ re: new RegExp(t.re, 'giu'), weight: t.weight })),
  }));
  return {
    mentions(text: string): boolean {
      const t = text.replace(/[\u2018\u2019]/g, "'");
      return compiled.some((c) =>
        c.terms.some((term) => {
          term.re.lastIndex = 0;
          return term.re.test(t);
        }),
      );
    },
    classify(window: string): ContentHit[] {
      const text = window.replace(/[\u2018\u2019]/g, "'");
      const out: ContentHit[] = [];
      for (const c of compiled) {
        let keep = 1;
        let best: { w: number; m: RegExpExecArray } | null = null;
        for (const t of c.terms) {
          t.re.lastIndex = 0;
          const m = t.re.exec(text);
          if (!m) continue;
          keep *= 1 - t.weight;
          // A second, different hit of the same weak term adds a little (repetition is a signal, a small one).
          const again = t.weight < 0.5 ? t.re.exec(text) : null;
          if (again && again[0] !== m[0]) keep *= 1 - t.weight / 2;
          if (!best || t.weight > best.w) best = { w: t.weight, m };
        }
        const score = 1 - keep;
        const confidence = confidenceOf(score);
        if (best && strengthBlocks(c.strength, confidence)) {
          out.push({ category: c.category, score, confidence, match: window.slice(best.m.index, best.m.index + best.m[0].length), start: best.m.index, end: best.m.index + best.m[0].length });
        }
      }
      return out;
    },
  };
}
