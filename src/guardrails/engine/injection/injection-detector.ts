import type { InjectionSensitivity } from '../../guardrail-policy.schemas';
import { decodeBase64Runs, deLeet, deSpace, normalizeText, reversed, rot13 } from './normalize';
import {
  DIRECT_SIGNALS,
  INDIRECT_SIGNALS,
  RAW_DIRECT_SIGNALS,
  RAW_INDIRECT_SIGNALS,
  type InjectionFamily,
  type InjectionSignal,
} from './injection.signals';

/**
 * Score thresholds per sensitivity: HIGH flags the most (more recall, more false positives),
 * LOW only clear attacks.
 */
export const INJECTION_THRESHOLDS: Readonly<Record<InjectionSensitivity, number>> = { LOW: 0.85, MEDIUM: 0.7, HIGH: 0.5 };

/** One signal that fired. */
export interface InjectionHit {
  id: string;
  /** Signals sharing a group count once (the strongest). */
  group?: string;
  family: InjectionFamily;
  weight: number;
  /** The matched text (in the variant it was found in). */
  match: string;
  /** Which rendering of the text it was found in: plain, leet, spaced, base64, rot13, reversed, joined. */
  variant: string;
}

/** The detector's result for one text. */
export interface InjectionScore {
  /** Noisy-OR of the fired signals, 0..1. */
  score: number;
  /** Strongest hit first. */
  hits: InjectionHit[];
}

/** Longest text scanned per variant; longer inputs are scanned in overlapping slices of this size. */
const SLICE = 20_000;
const SLICE_OVERLAP = 400;

function runSignals(signals: readonly InjectionSignal[], text: string, variant: string, best: Map<string, InjectionHit>): void {
  for (const sig of signals) {
    if ((best.get(sig.id)?.weight ?? 0) >= sig.weight) continue;
    for (let off = 0; off < text.length || off === 0; off += SLICE - SLICE_OVERLAP) {
      const m = sig.re.exec(off === 0 && text.length <= SLICE ? text : text.slice(off, off + SLICE));
      if (m) {
        best.set(sig.id, { id: sig.id, family: sig.family, weight: sig.weight, match: m[0].trim().slice(0, 200), variant, ...(sig.group ? { group: sig.group } : {}) });
        break;
      }
      if (off + SLICE >= text.length) break;
    }
  }
}

/** Renderings of the text in which a hidden instruction becomes plain words. */
function variantsOf(raw: string, norm: string): [string, string][] {
  const out: [string, string][] = [];
  const leet = deLeet(norm);
  if (leet) out.push(['leet', leet]);
  const spaced = deSpace(raw.normalize('NFKC').toLowerCase());
  if (spaced) out.push(['spaced', spaced]);
  // Words glued by separators: "ignore-previous-instructions-and-...".
  if (/(?:[a-z]+[-_.+]){3,}[a-z]+/.test(norm)) out.push(['joined-words', norm.replace(/([a-z])[-_+](?=[a-z])/g, '$1 ')]);
  for (const d of decodeBase64Runs(raw)) out.push(['base64', normalizeText(d)]);
  if (/\brot-?13\b|\bcaesar\b|\bcipher\b|\brotate\b/.test(norm)) out.push(['rot13', rot13(norm)]);
  if (/\b(?:reverse[ds]?|backwards?|invert(?:ed)?|right to left)\b/.test(norm)) out.push(['reversed', reversed(norm)]);
  // Payload splitting: instruction fragments in several quoted strings, joined back together.
  const quoted = [...norm.matchAll(/(["'`])([^"'`\n]{2,200})\1/g)].map((q) => q[2]!);
  if (quoted.length >= 2) out.push(['joined', quoted.join('')]);
  return out;
}

/**
 * Scores a text for prompt injection. `indirect` adds the document-borne signals (instructions
 * addressed to the model inside a retrieved chunk).
 */
export function scoreInjection(raw: string, indirect: boolean): InjectionScore {
  const norm = normalizeText(raw);
  const best = new Map<string, InjectionHit>();
  runSignals(DIRECT_SIGNALS, norm, 'plain', best);
  const head = raw.length > SLICE ? raw.slice(0, SLICE) : raw;
  for (const sig of RAW_DIRECT_SIGNALS) {
    const m = sig.re.exec(head);
    if (m) best.set(sig.id, { id: sig.id, family: sig.family, weight: sig.weight, match: m[0].slice(0, 200), variant: 'raw' });
  }
  if (indirect) {
    runSignals(INDIRECT_SIGNALS, norm, 'plain', best);
    for (const sig of RAW_INDIRECT_SIGNALS) {
      const m = sig.test(raw.length > SLICE * 4 ? raw.slice(0, SLICE * 4) : raw);
      if (m) best.set(sig.id, { id: sig.id, family: sig.family, weight: sig.weight, match: m.slice(0, 200), variant: 'raw' });
    }
  }
  const plainIds = new Set(best.keys());
  for (const [variant, text] of variantsOf(raw, norm)) {
    runSignals(DIRECT_SIGNALS, text, variant, best);
    if (indirect) runSignals(INDIRECT_SIGNALS, text, variant, best);
  }
  // A strong signal that only shows once decoded: the obfuscation itself is evidence.
  const hidden = [...best.values()].filter((h) => !plainIds.has(h.id) && h.weight >= 0.5);
  if (hidden.length > 0) {
    best.set('obfuscated-payload', { id: 'obfuscated-payload', family: 'OBFUSCATION', weight: 0.4, match: hidden[0]!.match, variant: hidden[0]!.variant });
  }
  const hits = [...best.values()].sort((a, b) => b.weight - a.weight);
  let keep = 1;
  const counted = new Set<string>();
  for (const h of hits) {
    const key = h.group ?? h.id;
    if (counted.has(key)) continue;
    counted.add(key);
    keep *= 1 - h.weight;
  }
  return { score: 1 - keep, hits };
}
