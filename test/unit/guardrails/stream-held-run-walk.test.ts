import { createStreamScanner, isQuietToken, MAX_HOLD } from '../../../src/guardrails/engine/stream-scanner';
import { compilePolicy } from '../../../src/guardrails/engine';
import { parseGuardrailPolicyConfig } from '../../../src/guardrails/guardrail-policy.schemas';
import { mulberry32 } from '../../../src/core/seeded-random';

/**
 * The stream scanner walks back over the held run of tokens at every delta, but jumps over the tokens an earlier walk
 * already judged loud (`tokenCut`). Release by release, it must hold back exactly what the plain walk over everything
 * received holds back: the trailing run after the last complete quiet token. A policy with one word filter that never
 * matches releases exactly that cut, so every step can be compared with the plain walk.
 */
const policy = compilePolicy(parseGuardrailPolicyConfig({ wordFilters: { words: ['zorblax'] } }));
const NONE = new Set<string>();

const isSpace = (c: string): boolean => c === ' ' || c === '\n' || c === '\t';

/** Where the plain walk over `text` (pending from `from`) puts the cut: after the last complete quiet token. */
function plainCut(text: string, from: number): number {
  let cut = text.length;
  let end = text.length;
  while (end > from) {
    let j = end;
    while (j > from && isSpace(text[j - 1]!)) j--;
    if (j === from) break;
    let k = j;
    while (k > from && !isSpace(text[k - 1]!)) k--;
    if (j !== text.length && isQuietToken(text.slice(k, j), NONE)) break;
    cut = k;
    end = k;
  }
  return cut;
}

// Loud tokens (capitals, digits, connectors, a partial name) and quiet ones; runs of loud ones stay well below MAX_HOLD.
const LOUD = ['Maria', 'van', 'der', 'Berg', '12', 'Baker', 'St', 'de', 'la', 'O’Brien', 'ACME', 'x@y', 'v2.1', 'Ärger', 'rue'];
const QUIET = ['the', 'order', 'shipped', 'and', 'we', 'it’s', 'thanks,', 'done.', 'ok!', 'because', 'them'];

function randomText(r: () => number): string {
  let t = '';
  let run = 0;
  for (let n = 0; n < 60; n++) {
    const loud = run < 12 && r() < 0.6;
    run = loud ? run + 1 : 0;
    const list = loud ? LOUD : QUIET;
    t += list[Math.floor(r() * list.length)]! + (r() < 0.15 ? '\n' : r() < 0.1 ? '  ' : ' ');
  }
  return t;
}

describe('stream scanner: the held run is walked once', () => {
  it('releases, delta by delta, exactly up to the plain walk’s cut', () => {
    expect(MAX_HOLD).toBeGreaterThan(200);
    const r = mulberry32(20261207);
    let steps = 0;
    let jumps = 0;
    for (let k = 0; k < 400; k++) {
      const text = randomText(r);
      const s = createStreamScanner(policy);
      let released = 0;
      for (let at = 0; at < text.length;) {
        const size = 1 + Math.floor(r() * 24);
        const step = s.push(text.slice(at, at + size));
        at = Math.min(text.length, at + size);
        released += step.release.length;
        const expected = plainCut(text.slice(0, at), released - step.release.length);
        // Held runs of more than one token are where a walk can jump.
        if (at - expected > 30) jumps++;
        expect([text, at, released]).toEqual([text, at, expected]);
        steps++;
      }
      expect(released + s.end().release.length).toBe(text.length);
    }
    expect(steps).toBeGreaterThan(5000);
    expect(jumps).toBeGreaterThan(300);
  });
});
