import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkText, compilePolicy, scoreInjection } from '../../../src/guardrails/engine';
import { parseGuardrailPolicyConfig } from '../../../src/guardrails/guardrail-policy.schemas';
import { corpusFiles } from '../../../scripts/lib/guardrails-data';

/**
 * The INPUT check's results on every row of `data/guardrails`, pinned: the injection detector's
 * score (to the last bit) and every hit (id, family, weight, group, match, variant), as a user's
 * message and as a retrieved chunk, and the whole INPUT verdict (action, text, findings) of a policy
 * with every check on. Changes to how the engine scans text (speed work) must leave all of them as
 * they are; a change of a rule's meaning changes them on purpose and is recorded with
 * `GUARDRAILS_GOLDEN_UPDATE=1 npm test -- -w 1 test/unit/guardrails/engine-input-golden.test.ts`.
 *
 * The fixture holds one SHA-256 digest per file and check (no row, no score), so the sealed
 * evaluation sets stay sealed.
 */

const DATA = path.join(__dirname, '../../../data/guardrails');
const FIXTURE = path.join(__dirname, '../../fixtures/guardrails-input-golden.json');

const POLICY = compilePolicy(
  parseGuardrailPolicyConfig({
    pii: {
      entities: [
        'EMAIL',
        'PHONE',
        'CREDIT_DEBIT_CARD_NUMBER',
        'US_SOCIAL_SECURITY_NUMBER',
        'INTERNATIONAL_BANK_ACCOUNT_NUMBER',
        'IP_ADDRESS',
        'MAC_ADDRESS',
        'URL',
        'AWS_ACCESS_KEY',
        'AWS_SECRET_KEY',
        'NAME',
        'ADDRESS',
      ].map((type) => ({ type, action: type === 'CREDIT_DEBIT_CARD_NUMBER' ? 'BLOCK' : 'ANONYMIZE' })),
    },
    wordFilters: { words: ['project orchid', 'internal only', 'zorblax'], profanity: true },
    promptInjection: { enabled: true, sensitivity: 'MEDIUM' },
  }),
);

function files(): { name: string; texts: string[] }[] {
  return corpusFiles(DATA);
}

function digest(values: unknown[]): string {
  const h = createHash('sha256');
  // Scores are written with every bit (toString of a double round-trips).
  for (const v of values) h.update(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' ? x.toString() : x))).update('\n');
  return h.digest('hex');
}

function results(texts: string[]): Record<string, string> {
  const injection = (indirect: boolean): string =>
    digest(
      texts.map((t) => {
        const r = scoreInjection(t, indirect);
        return { score: r.score, hits: r.hits.map((h) => [h.id, h.family, h.weight, h.group ?? null, h.match, h.variant]) };
      }),
    );
  return {
    injectionDirect: injection(false),
    injectionChunk: injection(true),
    inputDirect: digest(texts.map((t) => checkText(POLICY, 'INPUT', t))),
    inputChunk: digest(texts.map((t) => checkText(POLICY, 'INPUT', t, { isContextChunk: true, source: 'context:1' }))),
  };
}

describe('INPUT check: results on every corpus row are pinned', () => {
  const all = files();
  const now: Record<string, { rows: number } & Record<string, string | number>> = {};
  for (const f of all) now[f.name] = { rows: f.texts.length, ...results(f.texts) };
  if (process.env.GUARDRAILS_GOLDEN_UPDATE === '1') writeFileSync(FIXTURE, `${JSON.stringify(now, null, 2)}\n`);
  const pinned = JSON.parse(readFileSync(FIXTURE, 'utf8')) as typeof now;

  it('covers every corpus file', () => {
    expect(Object.keys(now).sort()).toEqual(Object.keys(pinned).sort());
    expect(all.reduce((n, f) => n + f.texts.length, 0)).toBeGreaterThan(3000);
  });

  it.each(all.map((f) => f.name))('%s: injection scores, hits and INPUT verdicts unchanged', (name) => {
    expect(now[name]).toEqual(pinned[name]);
  });
});
