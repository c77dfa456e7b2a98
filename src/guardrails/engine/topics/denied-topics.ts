import type { DeniedTopic } from '../../guardrail-policy.schemas';

/**
 * Denied topics by token overlap. A topic is its name, definition and examples, each reduced to a
 * set of content-word stems. A window of text matches when it covers most of one example, or
 * enough of the definition, with at least two distinct content words in common (one shared word is
 * never enough: "bank" alone is not "investment advice").
 */

const STOP = new Set(
  `a an the and or but if then else of to in on at by for with about as into over from up down out off is are was were be been being am
  do does did doing have has had having i me my mine we us our you your yours he him his she her they them their it its this that these
  those what which who whom whose when where why how all any both each few more most other some such no nor not only own same so than too
  very can could will would shall should may might must just also there here please tell give get let make want need like know think
  one ones thing things something anything someone anyone way ways any lot lots really much many well now today kind sort type types
  including include includes e g eg etc such related regarding topic topics question questions ask asking asked help`.split(/\s+/),
);

/** Crude English stemmer: enough to equate "stocks"/"stock", "investing"/"invest", "advised"/"advise". */
export function stem(word: string): string {
  let w = word.toLowerCase();
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith('es') && /(?:s|x|z|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** Content-word stems of a text. */
export function contentTokens(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu)) {
    const w = m[0].replace(/['’].*$/, '');
    if (w.length < 2 || STOP.has(w)) continue;
    out.add(stem(w));
  }
  return out;
}

/** One topic hit on a window. */
export interface TopicHit {
  name: string;
  score: number;
  /** Shared stems, for the finding's `match`. */
  shared: string[];
}

export interface TopicMatcher {
  match(window: string): TopicHit[];
}

interface CompiledTopic {
  name: string;
  phrases: Set<string>[];
}

/** Overlap needed with an example (fraction of its content words). */
const EXAMPLE_COVERAGE = 0.6;
/** Overlap needed with the definition (fraction of its content words, capped at 6 words). */
const DEFINITION_COVERAGE = 0.5;

export function compileTopicMatcher(topics: readonly DeniedTopic[]): TopicMatcher | null {
  if (topics.length === 0) return null;
  const compiled: CompiledTopic[] = topics.map((t) => {
    const name = contentTokens(t.name);
    const phrases = (t.examples ?? []).map((e) => contentTokens(e)).filter((p) => p.size > 0);
    // The definition is scored together with the name: "Investment advice" + its definition.
    phrases.push(new Set([...contentTokens(t.definition), ...name]));
    return { name: t.name, phrases };
  });
  return {
    match(window: string): TopicHit[] {
      const tokens = contentTokens(window);
      if (tokens.size === 0) return [];
      const out: TopicHit[] = [];
      for (const t of compiled) {
        let best: TopicHit | null = null;
        t.phrases.forEach((p, i) => {
          const isDefinition = i === t.phrases.length - 1;
          const shared = [...p].filter((w) => tokens.has(w));
          if (shared.length < Math.min(2, p.size)) return;
          const denom = isDefinition ? Math.min(p.size, 6) : p.size;
          const coverage = Math.min(1, shared.length / denom);
          const needed = isDefinition ? DEFINITION_COVERAGE : EXAMPLE_COVERAGE;
          if (coverage < needed) return;
          if (!best || coverage > best.score) best = { name: t.name, score: coverage, shared };
        });
        if (best) out.push(best);
      }
      return out;
    },
  };
}
