import { createPolicyStreamScanner, mergeBedrockVerdict, withBedrockGuardrails, type ActivePolicy, type GuardrailApplier } from '../../../src/guardrails';
import type { CompiledPolicy, StreamScanner } from '../../../src/guardrails/engine';
import type { GuardrailAssessmentResult } from '../../../src/providers/provider';

/** A fake ApplyGuardrail: masks `a@b.io`-style emails, blocks the word "cake"; records every call. */
function fakeBedrock(): GuardrailApplier & { calls: Array<{ identifier: string; text: string }> } {
  const calls: Array<{ identifier: string; text: string }> = [];
  return {
    calls,
    async applyGuardrail(identifier, _version, _source, text): Promise<GuardrailAssessmentResult> {
      calls.push({ identifier, text });
      if (/\bcake\b/.test(text)) return { action: 'GUARDRAIL_INTERVENED', outputText: 'blocked', findings: [{ kind: 'TOPIC', name: 'Cake', action: 'BLOCKED' }] };
      const emails = text.match(/\w+@\w+\.\w+/g) ?? [];
      if (!emails.length) return { action: 'NONE', findings: [] };
      return {
        action: 'GUARDRAIL_INTERVENED',
        outputText: text.replace(/\w+@\w+\.\w+/g, '{EMAIL}'),
        findings: emails.map((m) => ({ kind: 'PII' as const, name: 'EMAIL', action: 'ANONYMIZED' as const, match: m })),
      };
    },
  };
}

/** Local scanners that release every delta as is. */
const passThrough = (): StreamScanner => ({ push: (d: string) => ({ release: d, findings: [] }), end: () => ({ release: '', findings: [] }) }) as StreamScanner;

function policy(name: string, bedrock?: string): ActivePolicy {
  return { id: name, name, blockedMessage: 'no', onContextInjection: 'DROP', compiled: {} as CompiledPolicy, ...(bedrock ? { bedrockGuardrail: { identifier: bedrock, version: 'DRAFT' } } : {}) };
}

describe('mergeBedrockVerdict', () => {
  const local = { action: 'NONE' as const, text: 'x at a@b.io', findings: [] };
  it('keeps the local verdict when Bedrock does not intervene', () => {
    expect(mergeBedrockVerdict('x at a@b.io', local, { action: 'NONE', findings: [] })).toEqual(local);
  });
  it('takes Bedrock masked text when it only anonymized, tagging findings with the source', () => {
    const v = mergeBedrockVerdict(
      'x at a@b.io',
      local,
      { action: 'GUARDRAIL_INTERVENED', outputText: 'x at {EMAIL}', findings: [{ kind: 'PII', name: 'EMAIL', action: 'ANONYMIZED', match: 'a@b.io' }] },
      'chunk-1',
    );
    expect(v).toEqual({ action: 'ANONYMIZED', text: 'x at {EMAIL}', findings: [{ kind: 'PII', name: 'EMAIL', action: 'ANONYMIZED', match: 'a@b.io', source: 'chunk-1' }] });
  });
  it('blocks with the original text on a Bedrock block, and fails closed on an unexplained intervention', () => {
    const blocked = mergeBedrockVerdict('orig', local, { action: 'GUARDRAIL_INTERVENED', outputText: 'msg', findings: [{ kind: 'TOPIC', name: 'T', action: 'BLOCKED' }] });
    expect(blocked).toMatchObject({ action: 'BLOCKED', text: 'orig' });
    const unexplained = mergeBedrockVerdict('orig', local, { action: 'GUARDRAIL_INTERVENED', outputText: 'msg', findings: [] });
    expect(unexplained.action).toBe('BLOCKED');
  });
});

describe('withBedrockGuardrails', () => {
  it('adds nothing when no policy uses Bedrock', async () => {
    const bedrock = fakeBedrock();
    const policies = [policy('local-only')];
    const s = withBedrockGuardrails(createPolicyStreamScanner(policies, { makeScanner: passThrough }), policies, bedrock);
    expect((await s.push('hello ')).release).toBe('hello ');
    expect((await s.end()).release).toBe('');
    expect(bedrock.calls).toEqual([]);
  });

  it('sends sentence-sized segments to Bedrock and releases its masked text', async () => {
    const bedrock = fakeBedrock();
    const policies = [policy('local'), policy('remote', 'gr-mask')];
    const s = withBedrockGuardrails(createPolicyStreamScanner(policies, { makeScanner: passThrough }), policies, bedrock, { minSegmentChars: 10, source: 'model' });
    const steps = [];
    for (const d of ['Write to ', 'jane@ex', 'ample.com now. ', 'Then wait', ' a day. ', 'Bye']) steps.push(await s.push(d));
    steps.push(await s.end());
    const released = steps.map((x) => x.release);
    expect(released.join('')).toBe('Write to {EMAIL} now. Then wait a day. Bye');
    // Nothing was released before Bedrock saw the whole sentence around the email.
    expect(released.slice(0, 2).join('')).toBe('');
    expect(bedrock.calls.map((c) => c.text)).toEqual(['Write to jane@example.com now. ', 'Then wait a day. ', 'Bye']);
    const findings = steps.flatMap((x) => x.findings);
    expect(findings).toEqual([{ policy: policies[1], finding: { kind: 'PII', name: 'EMAIL', action: 'ANONYMIZED', match: 'jane@example.com', source: 'model' } }]);
  });

  it('cuts a segment at the size limit when no sentence ends', async () => {
    const bedrock = fakeBedrock();
    const policies = [policy('remote', 'gr')];
    const s = withBedrockGuardrails(createPolicyStreamScanner(policies, { makeScanner: passThrough }), policies, bedrock, { minSegmentChars: 5, maxSegmentChars: 20 });
    const r = await s.push('x'.repeat(45));
    expect(r.release).toBe('x'.repeat(40));
    expect(bedrock.calls.map((c) => c.text.length)).toEqual([20, 20]);
    expect((await s.end()).release).toBe('xxxxx');
  });

  it('runs Bedrock guardrails in policy order and stops releasing at the first block', async () => {
    const bedrock = fakeBedrock();
    const policies = [policy('first', 'gr-1'), policy('second', 'gr-2')];
    const s = withBedrockGuardrails(createPolicyStreamScanner(policies, { makeScanner: passThrough }), policies, bedrock, { minSegmentChars: 5 });
    const ok = await s.push('Mail a@b.io today. ');
    expect(ok.release).toBe('Mail {EMAIL} today. ');
    expect(bedrock.calls).toEqual([
      { identifier: 'gr-1', text: 'Mail a@b.io today. ' },
      { identifier: 'gr-2', text: 'Mail {EMAIL} today. ' },
    ]);
    const blocked = await s.push('I want cake now. ');
    expect(blocked).toMatchObject({ release: '', blocked: { policy: policies[0], verdict: { action: 'BLOCKED', text: 'I want cake now. ' } } });
    expect(blocked.findings).toEqual([{ policy: policies[0], finding: { kind: 'TOPIC', name: 'Cake', action: 'BLOCKED' } }]);
    expect(s.blockedBy).toBe(policies[0]);
    expect(await s.push('More text. ')).toEqual({ release: '', blocked: blocked.blocked, findings: [] });
    expect((await s.end()).release).toBe('');
  });

  it('refuses a Bedrock policy without a provider instead of skipping it', () => {
    const policies = [policy('remote', 'gr')];
    expect(() => withBedrockGuardrails(createPolicyStreamScanner(policies, { makeScanner: passThrough }), policies, undefined)).toThrow(/no model provider/);
  });
});
