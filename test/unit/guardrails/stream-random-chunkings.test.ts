import { checkText, compilePolicy, createStreamScanner, type CompiledPolicy } from '../../../src/guardrails/engine';
import { inertText } from '../../../src/guardrails/engine/stream-scanner';
import { parseGuardrailPolicyConfig } from '../../../src/guardrails/guardrail-policy.schemas';
import { lcg, modelChunks } from '../../helpers/stream-chunks';

/**
 * Issue 12: 0 characters of a protected entity streamed, whatever the chunking. Each text is
 * streamed in 300 random chunkings (seeded; chunks of 1 to 40 characters, as model deltas come);
 * the release must equal the whole-text check and hold no character run of an entity.
 */

const TYPES = ['EMAIL', 'PHONE', 'NAME', 'ADDRESS', 'CREDIT_DEBIT_CARD_NUMBER', 'IP_ADDRESS', 'URL'] as const;
const policy: CompiledPolicy = compilePolicy(
  parseGuardrailPolicyConfig({ pii: { entities: TYPES.map((type) => ({ type, action: 'ANONYMIZE' })) }, wordFilters: { words: ['project orchid'], profanity: true } }),
);

function streamed(deltas: string[]): string {
  const s = createStreamScanner(policy);
  let out = '';
  for (const d of deltas) out += s.push(d).release;
  return out + s.end().release;
}

const SAMPLES: [string, string, string[]][] = [
  ['a phone glued between table separators', '| id | name | phone |\n| 4 | Dear Oluwaseun Adebayo |+1 415 555 0142| active |\n', ['+1 415 555 0142', '415 555']],
  ['phones glued both sides in a row', 'x|+44 20 7946 0958|+33 1 42 68 53 00|y', ['7946 0958', '42 68 53']],
  ['French numbers in dotted and spaced pairs', 'Appelez le 01.42.68.53.00 ou le 06 12 34 56 78, merci.', ['01.42.68.53.00', '06 12 34 56 78', '68.53', '34 56']],
  ['a name with particles', 'Kind regards,\nMaría José De la Cruz\nBilling', ['María', 'De la Cruz']],
  ['an address whose city could take the next lower-case words', 'The event takes place at 540 Allée Saint-Dominique, 39721 Lorient this year.', ['Saint-Dominique', '39721']],
  ['a street name with lower-case links', 'Address on file: Calle María de los Ángeles 46, 90032 Móstoles', ['Calle María', 'Ángeles', 'Móstoles']],
  ['a city with a link word', 'Ship it to Rua das Flores 210, 70000-000 Braga do Descoberto, then tell me.', ['Flores 210', 'Descoberto']],
  ['a name judged by the verb after it', 'Update: Nattapong Chaiyasit will lead the audit, and Hyeon-jun joins later.\nBest regards, Hyeon-jun', ['Nattapong', 'Chaiyasit', 'Hyeon-jun']],
  ['a salutation before a name', 'Gentile Matteo Lo Bianco, la pratica è chiusa.', ['Matteo', 'Lo Bianco']],
  ['a UK street with an apostrophe', "Please ship to 14 King's Road, Brighton BN1 2PQ before Friday.", ["King's Road", 'BN1 2PQ']],
  [
    'a realistic reply with several entities',
    "Hi Amara,\n\nI have updated your file: phone +44 20 7946 0958, e-mail amara.okafor@corp.example, address 27 St Mary's Road, Oxford OX4 1PH. " +
      'Your card 4111 1111 1111 1111 is on file. The status page is https://status.example.com/v2 and the server 10.20.30.40 is fine.\n\nBest,\nTevita Havili',
    ['7946 0958', 'amara.okafor', "St Mary's", 'OX4 1PH', '4111 1111', 'status.example', '10.20.30.40', 'Tevita', 'Havili', 'Amara'],
  ],
];

describe('stream scanner: random chunkings release exactly the whole-text anonymization', () => {
  it.each(SAMPLES)('%s', (_name, text, fragments) => {
    const whole = checkText(policy, 'OUTPUT', text);
    expect(whole.action).toBe('ANONYMIZED');
    for (const f of fragments) expect(whole.text).not.toContain(f);
    const r = lcg(text.length * 7919);
    for (let i = 0; i < 300; i++) {
      const deltas = modelChunks(text, r);
      const out = streamed(deltas);
      if (out !== whole.text) throw new Error(`chunking ${JSON.stringify(deltas)} released ${JSON.stringify(out)}, whole text gives ${JSON.stringify(whole.text)}`);
    }
  });
});

describe('inertText: the text the scanner releases without a PII pass', () => {
  it('is lower-case words and word-ending punctuation only', () => {
    expect(inertText('thanks for reaching out, the carrier has confirmed it. ', 0, 55)).toBe(true);
    expect(inertText("don't (see below) - well-known", 0, 30)).toBe(true);
    for (const t of ['call +1', 'ask Maria', 'mail a@b', 'www.example.com', 'host fe::1', 'ip 10.0.0.1', 'ping dead:beef::cafe', 'café']) expect([t, inertText(t, 0, t.length)]).toEqual([t, false]);
  });
});
