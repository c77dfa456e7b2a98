import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPolicyStreamScanner, GuardrailService, type ActivePolicy, type PolicyStreamStep } from '../../../src/guardrails';
import { PII_ENTITY_TYPES } from '../../../src/guardrails/guardrail-policy.schemas';
import type { ChangeBus } from '../../../src/db/change-bus';
import { activePolicy } from '../../helpers/stream-chunks';

/**
 * Issue 14: `generateOnce` screens its whole answer with `GuardrailService.screenOutput` (one
 * `checkText` per policy) instead of pushing it through the stream scanner. The product promises the
 * same OUTPUT policy both ways: over every PII corpus text and the OUTPUT policies the tests use,
 * the whole-text screening gives what the stream scanner's push(text) + end() gives: the same
 * action, blocking policy and finding, masked text and findings (each policy's, in order; on a block,
 * the stream's findings are the first of the whole text's: the stream stops looking where it blocked).
 */

const CORPUS = ['dev/pii.jsonl', 'tune/pii.jsonl', 'tune/pii-generated.jsonl', 'tune/pii-names.jsonl', 'unseen/pii-generated.jsonl', 'unseen/pii-handwritten.jsonl'];
const texts: string[] = CORPUS.flatMap((file) =>
  readFileSync(join(__dirname, '../../../data/guardrails', file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { text: string }).text),
);
// Texts for the sentence-windowed checks (denied topics, content categories) and the word filter.
const WINDOWED = [
  'Markets were calm today. Mail me at a@example.com for details. You should buy these stocks: ACME and Initech. More soon.',
  'It was a quiet evening. Then he said: I am going to shoot you all. The end.',
  'The codename is Project Orchid, do not share it. Call +1 415 555 0142 or write to amara.okafor@corp.example.',
  'Thanks for waiting. Your card 4111 1111 1111 1111 was charged and the receipt went to wes94@corp.example.com.',
];

const allPii = activePolicy('all-pii', { pii: { entities: PII_ENTITY_TYPES.map((type) => ({ type, action: 'ANONYMIZE' })) }, wordFilters: { words: ['project orchid'], profanity: true } });
const anonEmail = activePolicy('anon-email', { pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] } });
const blockCard = activePolicy('block-card', {
  pii: {
    entities: [
      { type: 'CREDIT_DEBIT_CARD_NUMBER', action: 'BLOCK' },
      { type: 'EMAIL', action: 'ANONYMIZE' },
    ],
  },
});
const topics = activePolicy('topics', {
  deniedTopics: [{ name: 'Investment advice', definition: 'Recommendations about which stocks to buy or sell', examples: ['Which stocks should I buy?'] }],
  contentCategories: [{ category: 'VIOLENCE', action: 'BLOCK' }],
  pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] },
});

const CHAINS: Array<[string, ActivePolicy[]]> = [
  ['every PII type and a word filter', [allPii]],
  ['e-mail anonymized (generate-guardrails e2e)', [anonEmail]],
  ['cards blocked, e-mail anonymized', [blockCard]],
  ['denied topic, violence, e-mail', [topics]],
  ['three policies chained, one blocking', [allPii, blockCard, topics]],
  ['e-mail anonymized, then every PII type', [anonEmail, allPii]],
];

const service = new GuardrailService(undefined as never, undefined as never, { subscribe: () => undefined } as unknown as ChangeBus, undefined as never);

/** The stream scanner's answer for a text pushed as one delta, then ended (what generateOnce used to run). */
function streamed(policies: ActivePolicy[], text: string): PolicyStreamStep {
  const scanner = createPolicyStreamScanner(policies);
  const first = scanner.push(text);
  if (first.blocked) return first;
  const last = scanner.end();
  return { release: first.release + last.release, findings: [...first.findings, ...last.findings], ...(last.blocked ? { blocked: last.blocked } : {}) };
}

/** Findings by policy, in order (a stream reports its push's findings, then its end's, policy by policy). */
const view = (s: PolicyStreamStep) => {
  const byPolicy: Record<string, object[]> = {};
  for (const f of s.findings) (byPolicy[f.policy.name] ??= []).push({ ...f.finding });
  return { blockedBy: s.blocked?.policy.name ?? null, findings: byPolicy };
};

describe('GuardrailService.screenOutput: the whole-text OUTPUT screening equals the stream scanner', () => {
  it('has a corpus to compare on', () => {
    expect(texts.length).toBeGreaterThan(1000);
  });

  it.each(CHAINS)('%s: same action, released text and findings on every corpus text', async (_name, policies) => {
    let intervened = 0;
    let blocked = 0;
    for (const text of [...texts, ...WINDOWED]) {
      const whole = await service.screenOutput(policies, text);
      const stream = streamed(policies, text);
      if (whole.findings.length > 0) intervened++;
      if (whole.blocked) blocked++;
      const w = view(whole);
      const s = view(stream);
      expect({ text, blockedBy: w.blockedBy }).toEqual({ text, blockedBy: s.blockedBy });
      if (!whole.blocked) {
        expect({ text, release: whole.release, findings: w.findings }).toEqual({ text, release: stream.release, findings: s.findings });
        continue;
      }
      // A block: the same first blocking finding; the stream stops reporting at the point it blocked,
      // the whole text reports every finding after it too; a whole answer releases nothing (a stream
      // may have sent the clean text before the block).
      const blocker = whole.blocked.policy.name;
      const firstBlock = (v: typeof w) => v.findings[blocker]!.find((f) => (f as { action: string }).action === 'BLOCKED');
      expect({ text, block: firstBlock(w) }).toEqual({ text, block: firstBlock(s) });
      for (const [name, found] of Object.entries(s.findings)) expect({ text, name, findings: w.findings[name]!.slice(0, found.length) }).toEqual({ text, name, findings: found });
      expect(whole.release).toBe('');
    }
    // The comparison is not vacuous: the policies act on the corpus.
    expect(intervened).toBeGreaterThan(0);
    if (policies.includes(blockCard) || policies.includes(topics)) expect(blocked).toBeGreaterThan(0);
  });
});
