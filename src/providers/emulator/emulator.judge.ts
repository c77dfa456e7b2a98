import type { EmulatorScript } from './emulator.script';

/**
 * The emulator's deterministic stand-in judge. When a Converse call forces a tool whose input schema
 * has `score` and `reason` properties (a grading tool), the emulator answers with that tool call,
 * graded by this rule instead of a model:
 *
 * - The grading prompt (the last user message) holds the parts to grade in tags: `<output>`,
 *   optionally `<expected>` and `<rubric>`.
 * - Content words are the lower-cased letter/digit runs of at least 3 characters (any digit run),
 *   minus common stop words. Key terms of the rubric are its quoted phrases ("...", '...' or `...`).
 * - Coverage c = (expected content words found in the output + rubric key terms found in it) /
 *   (expected content words + rubric key terms); 0.5 when there are none of either.
 * - score = 0.1 + 0.9 × c, to 2 decimals: an output with all of them scores 1.0 (≥ 0.8), an
 *   unrelated one 0.1 (≤ 0.2).
 *
 * `#judge: SCORE` forces the score, `#judge: malformed` answers a tool input without a valid score,
 * `#judge: text` answers plain text without calling the tool (both for testing unparseable answers).
 */

const STOP_WORDS = new Set(
  (
    'the and for are but not you all any can had her was one our out has him his how its may new now old see two way who did get let put say she too use ' +
    'that with have this will your from they know want been good much some time very when come here just like long make many more only over such take than ' +
    'them well were what also into most must then there these those their which while where would could should about after again being below between both ' +
    'does doing down during each few further having itself just once other same so than under until whom why yours answer'
  ).split(' '),
);

function contentWords(text: string): Set<string> {
  const out = new Set<string>();
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if ((w.length >= 3 || /^\p{N}+$/u.test(w)) && !STOP_WORDS.has(w)) out.add(w);
  }
  return out;
}

function keyTerms(rubric: string): string[] {
  const terms = new Set<string>();
  for (const m of rubric.matchAll(/"([^"\n]{1,100})"|'([^'\n]{1,100})'|`([^`\n]{1,100})`/g)) {
    const t = (m[1] ?? m[2] ?? m[3] ?? '').trim().toLowerCase();
    if (t) terms.add(t);
  }
  return [...terms];
}

function section(prompt: string, tag: string): string | null {
  const m = new RegExp(`<${tag}>\\n?([\\s\\S]*?)\\n?</${tag}>`).exec(prompt);
  return m ? m[1]! : null;
}

/** Grades the `<output>` of a grading prompt by the rule above. */
export function standInGrade(prompt: string): { score: number; reason: string } {
  const output = (section(prompt, 'output') ?? '').toLowerCase();
  const outWords = contentWords(output);
  const expected = [...contentWords(section(prompt, 'expected') ?? '')];
  const terms = keyTerms(section(prompt, 'rubric') ?? '');
  const foundWords = expected.filter((w) => outWords.has(w));
  const foundTerms = terms.filter((t) => output.includes(t));
  const total = expected.length + terms.length;
  const coverage = total === 0 ? 0.5 : (foundWords.length + foundTerms.length) / total;
  const score = Math.round((0.1 + 0.9 * coverage) * 100) / 100;
  const missing = [...expected.filter((w) => !outWords.has(w)), ...terms.filter((t) => !output.includes(t))];
  const reason =
    total === 0
      ? 'nothing to compare with (no expected answer, no quoted rubric terms)'
      : `the output has ${foundWords.length}/${expected.length} content words of the expected answer and ${foundTerms.length}/${terms.length} rubric key terms` +
        (missing.length ? `; missing: ${missing.slice(0, 10).join(', ')}` : '');
  return { score, reason };
}

/** Whether a tool input schema is a grading tool's (has `score` and `reason` properties). */
export function isGradingTool(inputSchema: unknown): boolean {
  const props = (inputSchema as { properties?: Record<string, unknown> } | null)?.properties;
  return Boolean(props && 'score' in props && 'reason' in props);
}

/** What a forced grading tool call answers: the tool input, or text when `#judge: text` says so. */
export function gradingAnswer(prompt: string, script: EmulatorScript): { toolInput: Record<string, unknown> } | { text: string } {
  if (script.judge === 'text') return { text: 'I think the output is fine overall.' };
  if (script.judge === 'malformed') return { toolInput: { verdict: 'good', reason: 'scripted malformed answer' } };
  if (typeof script.judge === 'number') return { toolInput: { score: script.judge, reason: `scripted score ${script.judge}` } };
  return { toolInput: standInGrade(prompt) };
}
