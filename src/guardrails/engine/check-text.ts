import type { CompiledPolicy } from './compile-policy';
import type { CheckTextOptions, Finding, GuardrailDirection, Verdict } from './guardrail-engine.types';
import type { PiiMatch } from './pii/pii-recognizer.types';
import type { WordHit } from './words/word-filter';
import { scoreInjection } from './injection/injection-detector';
import { splitSentences, WINDOW_SENTENCES } from './text-windows';

/** Finding for a PII match; `base` shifts offsets into the caller's coordinates. */
export function piiFinding(policy: CompiledPolicy, m: PiiMatch, text: string, base: number, source?: string): Finding {
  const action = policy.piiActions.get(m.type) === 'BLOCK' ? 'BLOCKED' : 'ANONYMIZED';
  return withSource({ kind: 'PII', name: m.type, action, match: text.slice(m.start, m.end), start: base + m.start, end: base + m.end, score: round(m.score) }, source);
}

export function wordFinding(w: WordHit, base: number, source?: string): Finding {
  return withSource({ kind: 'WORD', name: w.name, action: 'BLOCKED', match: w.match, start: base + w.start, end: base + w.end, score: 1 }, source);
}

/**
 * Topic and content findings for one sentence scored in its window (the sentence and up to
 * `WINDOW_SENTENCES - 1` sentences before it). `seen` suppresses repeats of the same topic/category.
 */
export function windowFindings(policy: CompiledPolicy, window: string, windowStart: number, sentence: { start: number; end: number; text: string }, seen: Set<string>, source?: string): Finding[] {
  const out: Finding[] = [];
  if (policy.topics) {
    for (const hit of policy.topics.match(window)) {
      if (seen.has(`TOPIC:${hit.name}`)) continue;
      seen.add(`TOPIC:${hit.name}`);
      out.push(withSource({ kind: 'TOPIC', name: hit.name, action: 'BLOCKED', match: sentence.text.trim(), start: sentence.start, end: sentence.end, score: round(hit.score) }, source));
    }
  }
  if (policy.content) {
    for (const hit of policy.content.classify(window)) {
      if (seen.has(`CONTENT:${hit.category}`)) continue;
      seen.add(`CONTENT:${hit.category}`);
      out.push(withSource({ kind: 'CONTENT', name: hit.category, action: 'BLOCKED', match: hit.match, start: windowStart + hit.start, end: windowStart + hit.end, score: round(hit.score) }, source));
    }
  }
  return out;
}

/** Replaces [start, end) spans (sorted, non-overlapping, within the text) by `{TYPE}`. */
export function anonymize(text: string, spans: readonly { start: number; end: number; type: string }[]): string {
  let out = '';
  let at = 0;
  for (const s of spans) {
    if (s.start < at) continue;
    out += `${text.slice(at, s.start)}{${s.type}}`;
    at = s.end;
  }
  return out + text.slice(at);
}

function injectionFinding(policy: CompiledPolicy, text: string, isContextChunk: boolean, source?: string): { finding: Finding | null; score: number } | null {
  if (policy.injectionThreshold === null) return null;
  const r = scoreInjection(text, isContextChunk);
  if (r.score < policy.injectionThreshold) return { finding: null, score: round(r.score) };
  const top = r.hits[0]!;
  const f: Finding = { kind: 'PROMPT_INJECTION', name: top.family, action: 'BLOCKED', match: top.match, score: round(r.score) };
  // Point at the strongest signal when it can be found as is in the original text.
  const lower = top.variant === 'plain' || top.variant === 'raw' ? text.toLowerCase() : null;
  const at = lower !== null ? lower.indexOf(top.match.toLowerCase()) : -1;
  if (at >= 0 && text.length === lower!.length) {
    f.start = at;
    f.end = at + top.match.length;
    f.match = text.slice(at, at + top.match.length);
  }
  return { finding: withSource(f, source), score: round(r.score) };
}

/**
 * Checks one whole text against a compiled policy. INPUT also runs prompt-injection detection
 * (with the indirect signals when `opts.isContextChunk`); both directions run PII, word filters,
 * denied topics and content categories. Pure and synchronous.
 */
export function checkText(policy: CompiledPolicy, direction: GuardrailDirection, text: string, opts: CheckTextOptions = {}): Verdict {
  const source = opts.source;
  const findings: Finding[] = [];
  let injectionScore: number | undefined;
  if (direction === 'INPUT') {
    const inj = injectionFinding(policy, text, opts.isContextChunk === true, source);
    if (inj?.finding) findings.push(inj.finding);
    injectionScore = inj?.score;
  }
  if (policy.words) for (const w of policy.words.find(text)) findings.push(wordFinding(w, 0, source));
  if (policy.topics || policy.content) {
    const sentences = splitSentences(text);
    const seen = new Set<string>();
    sentences.forEach((s, i) => {
      const first = sentences[Math.max(0, i - (WINDOW_SENTENCES - 1))]!;
      findings.push(...windowFindings(policy, text.slice(first.start, s.end), first.start, { start: s.start, end: s.end, text: text.slice(s.start, s.end) }, seen, source));
    });
  }
  const pii = policy.pii ? policy.pii.find(text) : [];
  for (const m of pii) findings.push(piiFinding(policy, m, text, 0, source));
  findings.sort((a, b) => (a.start ?? -1) - (b.start ?? -1));
  const score = injectionScore === undefined ? {} : { injectionScore };
  if (findings.some((f) => f.action === 'BLOCKED')) return { action: 'BLOCKED', text, findings, ...score };
  if (pii.length > 0) return { action: 'ANONYMIZED', text: anonymize(text, pii), findings, ...score };
  return { action: 'NONE', text, findings, ...score };
}

function withSource(f: Finding, source?: string): Finding {
  if (source !== undefined) f.source = source;
  return f;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
