import { createPolicyStreamScanner, type ActivePolicy, type PolicyStreamScanner, type PolicyStreamStep } from '../../../src/guardrails';
import { compilePolicy, type CompiledPolicy, type StreamScanner } from '../../../src/guardrails/engine';
import { parseGuardrailPolicyConfig } from '../../../src/guardrails/guardrail-policy.schemas';
import type { Finding } from '../../../src/guardrails/engine/guardrail-engine.types';

/**
 * Stand-in scanners with the engine's contract (hold back what might still become a match, release
 * the rest), so these tests pin down how the combinator chains them, independent of detectors.
 */
type Rule = { kind: 'mask'; word: string; replacement: string } | { kind: 'block'; word: string };

function ruleScanner(rule: Rule, opts: { source?: string }): StreamScanner {
  let buf = '';
  let offset = 0;
  const hold = rule.word.length - 1;
  const step = (final: boolean) => {
    const findings: Finding[] = [];
    const at = buf.indexOf(rule.word);
    if (rule.kind === 'block' && at >= 0) {
      findings.push({ kind: 'WORD', name: rule.word, action: 'BLOCKED', match: rule.word, start: offset + at, end: offset + at + rule.word.length, ...opts });
      const verdict = { action: 'BLOCKED' as const, text: buf, findings };
      buf = '';
      return { release: '', blocked: verdict, findings };
    }
    const safeEnd = final ? buf.length : buf.length - hold;
    let out = '';
    let i = 0;
    while (i < safeEnd) {
      if (rule.kind === 'mask' && buf.startsWith(rule.word, i)) {
        findings.push({ kind: 'PII', name: rule.word, action: 'ANONYMIZED', match: rule.word, start: offset + i, end: offset + i + rule.word.length, ...opts });
        out += rule.replacement;
        i += rule.word.length;
      } else {
        out += buf[i];
        i++;
      }
    }
    buf = buf.slice(i);
    offset += i;
    return { release: out, findings };
  };
  return {
    push(delta: string) {
      buf += delta;
      return step(false);
    },
    end() {
      return step(true);
    },
  } as StreamScanner;
}

function policy(name: string, rule: Rule): ActivePolicy {
  return { id: `id-${name}`, name, blockedMessage: `${name} blocked`, onContextInjection: 'DROP', compiled: rule as unknown as CompiledPolicy };
}

const makeScanner = (compiled: CompiledPolicy, opts: { source?: string }) => ruleScanner(compiled as unknown as Rule, opts);

function run(scanner: PolicyStreamScanner, deltas: string[]): { released: string[]; steps: PolicyStreamStep[] } {
  const steps = deltas.map((d) => scanner.push(d));
  steps.push(scanner.end());
  return { released: steps.map((s) => s.release), steps };
}

describe('createPolicyStreamScanner', () => {
  it('releases every delta as is when there is no policy', () => {
    const s = createPolicyStreamScanner([], { makeScanner });
    expect(run(s, ['Hel', 'lo', ' world']).released).toEqual(['Hel', 'lo', ' world', '']);
    expect(s.blockedBy).toBeUndefined();
  });

  it('feeds what one policy releases into the next, so the client sees every anonymization', () => {
    const mask = policy('mask-cat', { kind: 'mask', word: 'cat', replacement: '{ANIMAL}' });
    const block = policy('block-dog', { kind: 'block', word: 'dog' });
    const s = createPolicyStreamScanner([mask, block], { makeScanner, source: 'model' });
    const { released, steps } = run(s, ['my c', 'at sleeps', ' on the ', 'mat']);
    expect(released.join('')).toBe('my {ANIMAL} sleeps on the mat');
    // The partial "c" was never released before the policy could decide.
    expect(released[0]).not.toContain('c');
    expect(steps.every((x) => x.blocked === undefined)).toBe(true);
    const found = steps.flatMap((x) => x.findings);
    expect(found).toEqual([{ policy: mask, finding: expect.objectContaining({ name: 'cat', action: 'ANONYMIZED', start: 3, source: 'model' }) }]);
  });

  it('lets a later policy block on text an earlier one produced, and reports which policy blocked', () => {
    const rewrite = policy('cat-to-dog', { kind: 'mask', word: 'cat', replacement: 'dog' });
    const block = policy('block-dog', { kind: 'block', word: 'dog' });
    const s = createPolicyStreamScanner([rewrite, block], { makeScanner });
    const first = s.push('a cat ');
    expect(first.release).toBe('');
    expect(first.blocked?.policy).toBe(block);
    // The verdict shows what the blocking policy was fed: the first policy's rewrite.
    expect(first.blocked?.verdict).toMatchObject({ action: 'BLOCKED', text: 'a dog', findings: [expect.objectContaining({ kind: 'WORD', name: 'dog' })] });
    expect(first.findings.map((f) => f.policy.name)).toEqual(['cat-to-dog', 'block-dog']);
    expect(s.blockedBy).toBe(block);
  });

  it('releases nothing more once blocked, and no part of the blocked word ever gets out', () => {
    const block = policy('block-secret', { kind: 'block', word: 'secret' });
    const tail = policy('mask-x', { kind: 'mask', word: 'xyz', replacement: '{X}' });
    const s = createPolicyStreamScanner([block, tail], { makeScanner });
    const { released, steps } = run(s, ['the s', 'ecr', 'et is ', 'out']);
    expect(released.join('')).not.toMatch(/s$|se|secret/);
    const blockedAt = steps.findIndex((x) => x.blocked);
    expect(blockedAt).toBe(2);
    expect(steps.slice(blockedAt).every((x) => x.blocked?.policy === block && x.release === '')).toBe(true);
    expect(steps.slice(blockedAt + 1).every((x) => x.findings.length === 0)).toBe(true);
  });

  it('flushes held-back tails through the remaining policies at the end', () => {
    const mask = policy('mask-cat', { kind: 'mask', word: 'cat', replacement: '{ANIMAL}' });
    const block = policy('block-cab', { kind: 'block', word: 'cab' });
    const ok = createPolicyStreamScanner([mask, block], { makeScanner });
    expect(run(ok, ['call a c', 'a']).released.join('')).toBe('call a ca');
    const bad = createPolicyStreamScanner([mask, block], { makeScanner });
    const { released, steps } = run(bad, ['take a c', 'ab']);
    expect(steps.at(-1)!.blocked?.policy).toBe(block);
    expect(released.join('')).not.toContain('ca');
  });

  it('refuses to be used after end()', () => {
    const s = createPolicyStreamScanner([], { makeScanner });
    s.end();
    expect(() => s.push('x')).toThrow();
    expect(() => s.end()).toThrow();
  });

  it('chains the real engine scanners: a masked email never leaks, a later word filter still blocks', () => {
    const real = (name: string, config: unknown): ActivePolicy => ({
      id: name,
      name,
      blockedMessage: 'blocked',
      onContextInjection: 'DROP',
      compiled: compilePolicy(parseGuardrailPolicyConfig(config)),
    });
    const mask = real('mask', { pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] } });
    const words = real('words', { wordFilters: { words: ['kaboom'] } });
    const ok = run(createPolicyStreamScanner([mask, words]), ['Write ', 'to a', 'nn@exam', 'ple.com', ' today', '.']);
    expect(ok.released.join('')).toBe('Write to {EMAIL} today.');
    for (let i = 1; i <= ok.released.length; i++) expect(ok.released.slice(0, i).join('')).not.toMatch(/ann|@|exam/);
    expect(ok.steps.flatMap((x) => x.findings).map((f) => [f.policy.name, f.finding.name, f.finding.match])).toEqual([['mask', 'EMAIL', 'ann@example.com']]);

    const s = createPolicyStreamScanner([mask, words]);
    const { released, steps } = run(s, ['Mail b@c.io then ka', 'boom goes', ' the rest']);
    expect(s.blockedBy).toBe(words);
    expect(released.join('')).not.toMatch(/ka|b@c/);
    expect(steps.find((x) => x.blocked)!.blocked!.verdict.findings).toEqual([expect.objectContaining({ kind: 'WORD', name: 'kaboom', action: 'BLOCKED' })]);
  });
});
