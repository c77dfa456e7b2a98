import { checkText, compilePolicy, createStreamScanner, type StreamStep } from '../../../src/guardrails/engine';
import { MAX_HOLD } from '../../../src/guardrails/engine/stream-scanner';
import { parseGuardrailPolicyConfig } from '../../../src/guardrails/guardrail-policy.schemas';

const policyOf = (config: unknown) => compilePolicy(parseGuardrailPolicyConfig(config));

const piiPolicy = policyOf({
  pii: {
    entities: [
      { type: 'EMAIL', action: 'ANONYMIZE' },
      { type: 'PHONE', action: 'ANONYMIZE' },
      { type: 'NAME', action: 'ANONYMIZE' },
      { type: 'IP_ADDRESS', action: 'ANONYMIZE' },
      { type: 'CREDIT_DEBIT_CARD_NUMBER', action: 'BLOCK' },
    ],
  },
  wordFilters: { words: ['top secret'], profanity: true },
});

/** Deterministic PRNG so split points are random-looking but reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function splitRandom(text: string, seed: number, maxLen = 7): string[] {
  const r = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < text.length;) {
    const n = 1 + Math.floor(r() * maxLen);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Feeds deltas; returns every release in order, the steps and the final step. */
function feed(deltas: string[], policy = piiPolicy) {
  const scanner = createStreamScanner(policy, { source: 'model' });
  const releases: string[] = [];
  const steps: StreamStep[] = [];
  let blocked: StreamStep['blocked'];
  for (const d of deltas) {
    const s = scanner.push(d);
    steps.push(s);
    releases.push(s.release);
    if (s.blocked) {
      blocked = s.blocked;
      break;
    }
  }
  if (!blocked) {
    const s = scanner.end();
    steps.push(s);
    releases.push(s.release);
    blocked = s.blocked;
  }
  return { scanner, releases, steps, blocked, text: releases.join('') };
}

describe('stream scanner', () => {
  it('anonymizes an email split over many deltas and never releases any part of it', () => {
    const text = 'Sure, write to jane.doe@example.org and she will answer within a day.';
    for (const seed of [1, 2, 3, 4, 5]) {
      const { releases, text: out, steps } = feed(splitRandom(text, seed));
      expect(out).toBe('Sure, write to {EMAIL} and she will answer within a day.');
      let sofar = '';
      for (const r of releases) {
        sofar += r;
        // No prefix of the stream ever shows a piece of the address.
        expect(sofar).not.toMatch(/jane|doe|@|example\.org/);
      }
      const f = steps.flatMap((s) => s.findings);
      expect(f).toEqual([{ kind: 'PII', name: 'EMAIL', action: 'ANONYMIZED', match: 'jane.doe@example.org', start: 15, end: 35, score: 0.95, source: 'model' }]);
    }
  });

  it('gives the same text as checkText for any split of a text with several entities', () => {
    const text = 'Hello! Contact Maria Gonzalez at maria.g@example.com or +44 20 7946 0958. The server 192.0.2.44 is up; ping 2001:db8::7 too. Thanks, and have a nice day';
    const whole = checkText(piiPolicy, 'OUTPUT', text);
    expect(whole.action).toBe('ANONYMIZED');
    for (let seed = 10; seed < 40; seed++) {
      expect(feed(splitRandom(text, seed, 12)).text).toBe(whole.text);
    }
    expect(feed([...text]).text).toBe(whole.text);
  });

  it('blocks before any of the blocked text is released', () => {
    const text = 'Here is the card on file: 4111 1111 1111 1111 and the rest of the message.';
    for (const seed of [7, 8, 9]) {
      const { text: out, blocked } = feed(splitRandom(text, seed));
      expect(blocked?.action).toBe('BLOCKED');
      expect(blocked?.findings.map((f) => f.name)).toContain('CREDIT_DEBIT_CARD_NUMBER');
      expect(out).not.toMatch(/\d/);
      expect('Here is the card on file: '.startsWith(out)).toBe(true);
    }
  });

  it('holds a configured phrase until it is complete, and blocks it', () => {
    const { text: out, blocked } = feed(['this is ', 'top', ' ', 'secr', 'et material']);
    expect(blocked?.findings[0]).toMatchObject({ kind: 'WORD', name: 'top secret', start: 8, end: 18 });
    expect(out).toBe('this is ');
  });

  it('releases text without candidates at once and holds only the partial last token', () => {
    const scanner = createStreamScanner(piiPolicy);
    expect(scanner.push('the weather is nice and we like it ').release).toBe('the weather is nice and we like it ');
    expect(scanner.push('so we wal').release).toBe('so we ');
    expect(scanner.push('k home ').release).toBe('walk home ');
    // A capitalised word might be the start of a name: held until a plain word follows.
    expect(scanner.push('with Ana ').release).toBe('with ');
    expect(scanner.push('Lima today ').release).toBe('{NAME} today ');
    expect(scanner.end().release).toBe('');
  });

  it('releases everything immediately when the policy has no output checks', () => {
    const scanner = createStreamScanner(policyOf({}));
    expect(scanner.push('mail bob@example.com now').release).toBe('mail bob@example.com now');
  });

  it('keeps the work per delta bounded on a long stream (linear total work)', () => {
    const sentence = 'The quick brown fox jumps over the lazy dog, then emails fox.dog@example.com and calls +1 415 555 0132 again. ';
    const text = sentence.repeat(2000); // ~220 KB
    const scanner = createStreamScanner(piiPolicy);
    let out = '';
    let maxHeld = 0;
    for (let i = 0; i < text.length; i += 16) {
      out += scanner.push(text.slice(i, i + 16)).release;
      maxHeld = Math.max(maxHeld, scanner.stats().heldChars);
    }
    out += scanner.end().release;
    const stats = scanner.stats();
    expect(stats.receivedChars).toBe(text.length);
    expect(out).toBe(checkText(piiPolicy, 'OUTPUT', text).text);
    // Each delta rescans at most the fixed context plus the held tail: total work is a small multiple of the input.
    expect(stats.scannedChars).toBeLessThan(text.length * 20);
    expect(maxHeld).toBeLessThanOrEqual(MAX_HOLD + 16);
  });

  it('bounds the held tail even when no token boundary arrives (a long blob)', () => {
    const blob = 'QUJD'.repeat(5000); // 20 KB without white space
    const scanner = createStreamScanner(piiPolicy);
    let out = '';
    let maxHeld = 0;
    for (let i = 0; i < blob.length; i += 50) {
      out += scanner.push(blob.slice(i, i + 50)).release;
      maxHeld = Math.max(maxHeld, scanner.stats().heldChars);
    }
    out += scanner.end().release;
    expect(out).toBe(blob);
    expect(maxHeld).toBeLessThanOrEqual(MAX_HOLD + 50);
    expect(scanner.stats().scannedChars).toBeLessThan(blob.length * 20);
  });

  describe('with denied topics and content categories', () => {
    const policy = policyOf({
      deniedTopics: [{ name: 'Investment advice', definition: 'Recommendations about which stocks to buy or sell', examples: ['Which stocks should I buy?'] }],
      contentCategories: [{ category: 'VIOLENCE', action: 'BLOCK' }],
      pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] },
    });

    it('releases whole sentences and blocks the sentence that crosses the line', () => {
      const text = 'Markets were calm today. Mail me at a@example.com for details. You should buy these stocks: ACME and Initech. More soon.';
      const { text: out, blocked } = feed(splitRandom(text, 3), policy);
      expect(blocked?.findings[0]).toMatchObject({ kind: 'TOPIC', name: 'Investment advice' });
      expect(out).toBe('Markets were calm today. Mail me at {EMAIL} for details. ');
    });

    it('agrees with checkText on what it blocks', () => {
      const text = 'It was a quiet evening. Then he said: I am going to shoot you all. The end.';
      expect(checkText(policy, 'OUTPUT', text).findings.map((f) => f.name)).toEqual(['VIOLENCE']);
      const { text: out, blocked } = feed(splitRandom(text, 5), policy);
      expect(blocked?.findings.map((f) => f.name)).toEqual(['VIOLENCE']);
      expect(out).toBe('It was a quiet evening. ');
    });

    it('flushes an unterminated last sentence at end()', () => {
      const scanner = createStreamScanner(policy);
      expect(scanner.push('No punctuation at the end').release).toBe('');
      expect(scanner.end().release).toBe('No punctuation at the end');
    });
  });

  it('stays blocked after a block', () => {
    const scanner = createStreamScanner(piiPolicy);
    const first = scanner.push('card 4111111111111111 ok ');
    expect(first.blocked?.action).toBe('BLOCKED');
    expect(scanner.push('more text ').release).toBe('');
    expect(scanner.end().blocked?.action).toBe('BLOCKED');
  });
});
