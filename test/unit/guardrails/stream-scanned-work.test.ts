import { join } from 'node:path';
import { dataDir, readJsonl } from '../../../scripts/lib/guardrails-data';
import { compilePolicy, createStreamScanner, type CompiledPolicy } from '../../../src/guardrails/engine';
import { parseGuardrailPolicyConfig } from '../../../src/guardrails/guardrail-policy.schemas';

/**
 * Counted work, not time: `scannedChars` counts the characters handed to the PII recognizers and the
 * word filter's patterns. Released text that can hold no entity and no word-filter hit is not handed to
 * them at all, and held text is rescanned only a bounded number of times, whatever the chunking.
 */

const TYPES = [
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
];
const policy = compilePolicy(
  parseGuardrailPolicyConfig({
    pii: { entities: TYPES.map((type) => ({ type, action: 'ANONYMIZE' })) },
    wordFilters: { words: ['project orchid', 'internal only', 'zorblax'], profanity: true },
  }),
);

function scannedPerReceived(p: CompiledPolicy, texts: readonly string[], delta: number): number {
  let scanned = 0;
  let received = 0;
  for (const text of texts) {
    const s = createStreamScanner(p);
    for (let i = 0; i < text.length; i += delta) if (s.push(text.slice(i, i + delta)).blocked) break;
    s.end();
    scanned += s.stats().scannedChars;
    received += s.stats().receivedChars;
  }
  return scanned / received;
}

describe('how often the stream scanner hands a character to the recognizers and filters', () => {
  const prose = [
    'Thanks for reaching out about the delayed shipment; the carrier has confirmed a new delivery window. I think it will arrive on time, and I will keep an eye on it.',
    'To rotate the credentials, open the console, choose the service account and create a new key pair. The AI assistant can explain each step if you ask it.',
    'The nightly job failed because the disk on the build agent was full, so we cleaned the cache and retried. Our refund policy allows returns within thirty days.',
  ];

  it('about never for prose, and less than once a character for development PII rows (every one holds entities)', () => {
    const rows = readJsonl<{ text: string }>(join(dataDir(), 'dev', 'pii.jsonl')).map((r) => r.text);
    expect(rows.length).toBeGreaterThan(300);
    for (const delta of [1, 7, 20]) {
      expect([delta, scannedPerReceived(policy, prose, delta) < 0.1]).toEqual([delta, true]);
      expect([delta, scannedPerReceived(policy, rows, delta) < 1]).toEqual([delta, true]);
    }
  });

  it('at most three times for held runs of names, numbers, capitals and phrase words', () => {
    const texts = [
      Array.from({ length: 400 }, (_, i) => `Ab${i}`).join(' '),
      'Maria Lopez '.repeat(100),
      '4111 '.repeat(300),
      'de la '.repeat(300) + 'end',
      'project '.repeat(200) + 'orchid',
      `${'QUJD'.repeat(400)} and then 4111 1111 1111 1111 ok`,
    ];
    for (const text of texts) for (const delta of [1, 3, 20]) expect([text.slice(0, 12), delta, scannedPerReceived(policy, [text], delta) <= 3]).toEqual([text.slice(0, 12), delta, true]);
  });
});
