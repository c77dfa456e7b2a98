import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkText } from '../../../src/guardrails/engine';
import { createPolicyStreamScanner, type ActivePolicy } from '../../../src/guardrails';
import { PII_ENTITY_TYPES } from '../../../src/guardrails/guardrail-policy.schemas';
import { lcg, modelChunks, activePolicy } from '../../helpers/stream-chunks';

/**
 * Issue 12: stream output == whole-text output for any chunking, over every PII corpus text (not
 * only hand-picked samples). Each text is streamed whole and in 8 random chunkings (seeded; 1 to 40
 * characters, as model deltas come) through one policy with every PII type, and through the chain
 * [e-mail only, then every type] (where the second scanner gets the first one's releases as its
 * deltas). The concatenated releases must equal the whole-text check, policy after policy.
 */

const CORPUS = [
  'dev/pii.jsonl',
  'tune/pii.jsonl',
  'tune/pii-generated.jsonl',
  'tune/pii-names.jsonl',
  'tune/pii-names2.jsonl',
  'tune/pii-names3.jsonl',
  'tune/pii-names4.jsonl',
  'tune/pii-names5.jsonl',
  'tune/pii-names6.jsonl',
  'tune/pii-names7.jsonl',
  'tune/pii-addresses2.jsonl',
  'tune/addr-train.jsonl',
  'tune/addr-train2.jsonl',
  'tune/addr-holdout.jsonl',
  'tune/addr-holdout2.jsonl',
  'tune/names2-cultures.jsonl',
  'tune/names2-context.jsonl',
  'tune/names2-holdout.jsonl',
  'tune/names3-train.jsonl',
  'tune/names3-holdout.jsonl',
  'unseen/pii-generated.jsonl',
  'unseen/pii-handwritten.jsonl',
  'unseen/pii-independent.jsonl',
  'unseen/pii-independent2.jsonl',
  'unseen/pii-blind1.jsonl',
  'unseen/pii-blind2.jsonl',
  'unseen/pii-blind3.jsonl',
  'unseen/pii-blind4.jsonl',
];
const texts: string[] = CORPUS.flatMap((file) =>
  readFileSync(join(__dirname, '../../../data/guardrails', file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { text: string }).text),
);

const allPii = activePolicy('all-pii', { pii: { entities: PII_ENTITY_TYPES.map((type) => ({ type, action: 'ANONYMIZE' })) } });
const anonEmail = activePolicy('anon-email', { pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] } });

function streamed(policies: ActivePolicy[], deltas: string[]): string {
  const s = createPolicyStreamScanner(policies);
  let out = '';
  for (const d of deltas) out += s.push(d).release;
  return out + s.end().release;
}

const CHAINS: Array<[string, ActivePolicy[]]> = [
  ['every PII type', [allPii]],
  ['e-mail only, then every PII type', [anonEmail, allPii]],
];

describe('stream scanner over the PII corpora: every chunking releases the whole-text anonymization', () => {
  it('has a corpus', () => {
    expect(texts.length).toBeGreaterThan(1500);
  });

  it.each(CHAINS)('%s', (_name, policies) => {
    const failures: string[] = [];
    let masked = 0;
    texts.forEach((text, t) => {
      let whole = text;
      for (const p of policies) whole = checkText(p.compiled, 'OUTPUT', whole).text;
      if (whole !== text) masked++;
      const r = lcg(t * 7919 + 1);
      for (let k = 0; k < 9; k++) {
        const deltas = k === 0 ? [text] : modelChunks(text, r);
        const out = streamed(policies, deltas);
        if (out !== whole && failures.length < 5) failures.push(`${JSON.stringify(deltas)}\n  released ${JSON.stringify(out)}\n  whole    ${JSON.stringify(whole)}`);
      }
    });
    expect(masked).toBeGreaterThan(1000);
    expect(failures).toEqual([]);
  });
});
