import { CONNECTORS, isQuietToken } from '../../../src/guardrails/engine/stream-scanner';
import { compilePolicy } from '../../../src/guardrails/engine';
import { parseGuardrailPolicyConfig } from '../../../src/guardrails/guardrail-policy.schemas';
import { lcg } from '../../helpers/stream-chunks';

/**
 * The stream scanner releases a run of tokens once a "quiet" token ends it: lower-case letters (one
 * inner apostrophe at most) and trailing punctuation, whose word is neither a connector (a name
 * particle, an address link or street word) nor a word of a configured phrase. It judges ASCII
 * tokens by character compares and looks the word up by a hash of its characters, without cutting
 * it out of the text; this checks that judgement against the plain definition (a pattern, then set
 * look-ups on the word cut out) over every connector and phrase word, their variants and random tokens.
 */

const QUIET = /^[\p{Ll}]+(?:['’][\p{Ll}]+)?[,;:!?.)\]"'”’]*$/u;
function reference(token: string, phraseWords: ReadonlySet<string>): boolean {
  if (!QUIET.test(token)) return false;
  const word = token.replace(/[,;:!?.)\]"'”’]+$/, '');
  return !CONNECTORS.has(word) && !phraseWords.has(word);
}

const phrasePolicy = compilePolicy(parseGuardrailPolicyConfig({ wordFilters: { words: ['top secret', 'dr. no', "o'brien deal", 'café crème', 'internal only'], profanity: true } }));
const phraseWords = phrasePolicy.words!.phraseWords;
const NONE = new Set<string>();

function variants(w: string): string[] {
  return [w, `${w}.`, `${w},`, `${w})"`, `${w}’`, `${w}s`, w.slice(1), w.slice(0, -1), `x${w}`, w.toUpperCase(), `${w[0]!.toUpperCase()}${w.slice(1)}`, `${w}'s`, `${w}’t`, `${w}-x`, `${w}1`];
}

describe('stream scanner: quiet tokens', () => {
  it('judges every connector and phrase word, and variants of them, as the pattern and set definition does', () => {
    const words = [...CONNECTORS, ...phraseWords];
    expect(words.length).toBeGreaterThan(100);
    const mismatches: string[] = [];
    for (const w of words) {
      for (const t of variants(w)) {
        if (t.length === 0 || /\s/.test(t)) continue;
        for (const [name, set] of [
          ['phrases', phraseWords],
          ['none', NONE],
        ] as const) {
          if (isQuietToken(t, set) !== reference(t, set)) mismatches.push(`${name}: ${JSON.stringify(t)}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    // Connectors keep a run open; phrase words only with their policy.
    expect(isQuietToken('de', NONE)).toBe(false);
    expect(isQuietToken('secret', phraseWords)).toBe(false);
    expect(isQuietToken('secret', NONE)).toBe(true);
    expect(isQuietToken('secret,', phraseWords)).toBe(false);
  });

  it('judges random tokens as the definition does', () => {
    const r = lcg(20261207);
    const alphabet = 'abcdeilnorstuvyz\'’.,;:!?)]"”éèüßçñA1-@/';
    const mismatches: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      let t = '';
      const n = 1 + Math.floor(r() * 9);
      for (let k = 0; k < n; k++) t += alphabet[Math.floor(r() * (r() < 0.7 ? 16 : alphabet.length))];
      for (const set of [phraseWords, NONE]) if (isQuietToken(t, set) !== reference(t, set)) mismatches.push(JSON.stringify(t));
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
  });
});
