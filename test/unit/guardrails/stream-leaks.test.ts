import { createPolicyStreamScanner, type ActivePolicy } from '../../../src/guardrails';
import { checkText, compilePolicy, createStreamScanner, type CompiledPolicy } from '../../../src/guardrails/engine';
import { parseGuardrailPolicyConfig } from '../../../src/guardrails/guardrail-policy.schemas';

/**
 * Leak hunt on the streaming OUTPUT check: the streamed release must equal `checkText` on the whole
 * text (anonymized), and a whole-text BLOCK must be a streamed block with nothing of the match sent.
 * Every text is streamed one character at a time and split in two at every position.
 */

const policyOf = (config: unknown): CompiledPolicy => compilePolicy(parseGuardrailPolicyConfig(config));
const STRUCTURED = ['EMAIL', 'PHONE', 'CREDIT_DEBIT_CARD_NUMBER', 'US_SOCIAL_SECURITY_NUMBER', 'IP_ADDRESS', 'AWS_ACCESS_KEY', 'AWS_SECRET_KEY', 'INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'URL'];
const anonAll = policyOf({ pii: { entities: STRUCTURED.map((type) => ({ type, action: 'ANONYMIZE' })) } });
const blockAll = policyOf({ pii: { entities: STRUCTURED.map((type) => ({ type, action: 'BLOCK' })) } });
const address = policyOf({ pii: { entities: [{ type: 'ADDRESS', action: 'ANONYMIZE' }] } });
const words = policyOf({ wordFilters: { words: ['secret', 'top secret', 'foo'], profanity: true } });

function stream(policy: CompiledPolicy, deltas: string[]): { out: string; blocked: boolean } {
  const s = createStreamScanner(policy);
  let out = '';
  for (const d of deltas) {
    const st = s.push(d);
    out += st.release;
    if (st.blocked) return { out, blocked: true };
  }
  const st = s.end();
  return { out: out + st.release, blocked: Boolean(st.blocked) };
}

function splits(text: string): string[][] {
  const r: string[][] = [[...text]];
  for (let i = 1; i < text.length; i++) r.push([text.slice(0, i), text.slice(i)]);
  return r;
}

/** Every way the stream differs from the whole-text check (empty when none). */
function leaks(policy: CompiledPolicy, text: string): string[] {
  const full = checkText(policy, 'OUTPUT', text);
  const problems: string[] = [];
  for (const deltas of splits(text)) {
    const { out, blocked } = stream(policy, deltas);
    const tag = deltas.length > 2 ? 'one char at a time' : JSON.stringify(deltas);
    if (full.action === 'BLOCKED') {
      if (!blocked) problems.push(`${tag}: not blocked, sent ${JSON.stringify(out)}`);
      const first = Math.min(...full.findings.filter((f) => f.action === 'BLOCKED').map((f) => f.start ?? 0));
      if (out.length > first) problems.push(`${tag}: sent ${JSON.stringify(out)}, past the blocked match at ${first}`);
    } else if (blocked) problems.push(`${tag}: blocked, whole text is ${full.action}`);
    else if (out !== full.text) problems.push(`${tag}: sent ${JSON.stringify(out)}, whole text gives ${JSON.stringify(full.text)}`);
  }
  return problems;
}

const piiSamples: [string, string][] = [
  ['email mid-sentence', 'Write to john.doe@example.com today'],
  ['email at the very end', 'Write to john.doe@example.com'],
  ['email between emoji', 'mail 😀john@example.com😀 ok'],
  ['email in CJK without spaces', 'メールはjohn@example.comです'],
  ['phone with dashes', 'Call 555-123-4567 now'],
  ['phone with parentheses', 'Call (555) 123-4567 now'],
  ['international phone with spaces', 'Call +44 20 7946 0958 now'],
  ['card with spaces', 'Card 4111 1111 1111 1111 ok'],
  ['card with dashes at the end', 'card 4111-1111-1111-1111'],
  ['IBAN with spaces', 'IBAN DE89 3704 0044 0532 0130 00 thanks'],
  ['IBAN without spaces', 'pay DE89370400440532013000 now'],
  ['IPv6', 'host 2001:db8:85a3::8a2e:370:7334 up'],
  ['IPv6 short upper case', 'ip 2001:DB8::1 ok'],
  ['IPv4', 'host 192.168.10.20 up'],
  ['URL with query string', 'see https://example.com/a/b?x=1&y=two#frag now'],
  ['www URL with query', 'see www.example.com/a?b=c ok'],
  ['AWS secret key', 'secret key is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  ['AWS access key', 'id AKIAIOSFODNN7EXAMPLE here'],
  ['SSN', 'ssn 123-45-6789 here'],
  ['two adjacent entities', 'a@b.co 555-123-4567'],
  ['two emails joined by a comma', 'mail a@b.co,b@c.io end'],
];

describe('stream scanner: PII never leaks at any split', () => {
  for (const [name, text] of piiSamples) {
    it(`ANONYMIZE ${name}`, () => {
      expect(checkText(anonAll, 'OUTPUT', text).action).toBe('ANONYMIZED');
      expect(leaks(anonAll, text)).toEqual([]);
    });
    it(`BLOCK ${name}`, () => {
      expect(checkText(blockAll, 'OUTPUT', text).action).toBe('BLOCKED');
      expect(leaks(blockAll, text)).toEqual([]);
    });
  }

  it('English and FR addresses with capitals or known connectors are held whole', () => {
    for (const t of ['I live at 12 Main Street today', 'Write to 12 rue de la Paix now']) {
      expect(checkText(address, 'OUTPUT', t).action).toBe('ANONYMIZED');
      expect(leaks(address, t)).toEqual([]);
    }
  });

  it('a whole paragraph one character at a time, long deltas and empty deltas', () => {
    const text =
      'Hello there. Contact john.doe@example.com or call (555) 123-4567 before noon. ' +
      'The card 4111 1111 1111 1111 was used from 192.168.10.20 and https://example.com/x?y=1. ' +
      'All good and nothing more to add here. '.repeat(30);
    const full = checkText(anonAll, 'OUTPUT', text);
    expect(stream(anonAll, [...text]).out).toBe(full.text);
    expect(stream(anonAll, [text]).out).toBe(full.text);
    const withEmpty = [...text].flatMap((c) => ['', c, '']);
    expect(stream(anonAll, withEmpty).out).toBe(full.text);
  });
});

describe('stream scanner: word filters never leak at any split', () => {
  for (const text of [
    'this is secret stuff',
    'this is SeCrEt',
    'top secret plan',
    'top  secret',
    'it is top\u00a0secret',
    'secrets are fine',
    'a foo.',
    'foobar is ok',
    'you are a shit head',
    'piss off now',
  ]) {
    it(`words: ${JSON.stringify(text)}`, () => {
      expect(leaks(words, text)).toEqual([]);
    });
  }
});

describe('policy stream scanner: two policies chained', () => {
  const active = (name: string, compiled: CompiledPolicy): ActivePolicy => ({ id: name, name, blockedMessage: `${name} blocked`, compiled, onContextInjection: 'BLOCK' });
  const anonymizer = active('anon', policyOf({ pii: { entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] } }));
  const blocker = active('block', policyOf({ wordFilters: { words: ['secret'] } }));

  function run(deltas: string[]) {
    const s = createPolicyStreamScanner([anonymizer, blocker]);
    let out = '';
    for (const d of deltas) {
      const st = s.push(d);
      out += st.release;
      if (st.blocked) return { out, blockedBy: st.blocked.policy.name };
    }
    const st = s.end();
    return { out: out + st.release, blockedBy: st.blocked?.policy.name };
  }

  it('anonymize then pass: the email never reaches the client at any split', () => {
    const text = 'mail john@example.com please';
    for (const deltas of splits(text)) expect(run(deltas)).toEqual({ out: 'mail {EMAIL} please', blockedBy: undefined });
  });

  it('anonymize then block: nothing from the blocked word on is sent, at any split', () => {
    const text = 'mail john@example.com the secret plan';
    for (const deltas of splits(text)) {
      const r = run(deltas);
      expect(r.blockedBy).toBe('block');
      expect('mail {EMAIL} the '.startsWith(r.out)).toBe(true);
      expect(r.out).not.toContain('john');
    }
  });
});

describe('stream scanner: bugs', () => {
  it('ADDRESS "12 rue des Lilas": "des" is not a connector, so "12 rue des " is released before the address is seen', () => {
    const text = 'Write to 12 rue des Lilas now';
    expect(checkText(address, 'OUTPUT', text).text).toBe('Write to {ADDRESS} now');
    expect(leaks(address, text)).toEqual([]);
  });

  it('ADDRESS "12 av. Victor Hugo": "av." is a quiet token, so "12 av. " is released before the address is seen', () => {
    const text = 'Write to 12 av. Victor Hugo now';
    expect(checkText(address, 'OUTPUT', text).text).toBe('Write to {ADDRESS} now');
    expect(leaks(address, text)).toEqual([]);
  });

  it('profanity phrase "screw you": "screw " is released before the phrase completes and blocks', () => {
    const profanity = policyOf({ wordFilters: { words: [], profanity: true } });
    const text = 'well screw you then';
    expect(checkText(profanity, 'OUTPUT', text).action).toBe('BLOCKED');
    expect(leaks(profanity, text)).toEqual([]);
  });

  it('word-filter phrase with punctuation "dr. evil": "dr." is released before the phrase completes and blocks', () => {
    const p = policyOf({ wordFilters: { words: ['dr. evil'] } });
    const text = 'meet dr. evil now';
    expect(checkText(p, 'OUTPUT', text).action).toBe('BLOCKED');
    expect(leaks(p, text)).toEqual([]);
  });

  it('CONTENT block whose strongest match is in an earlier sentence: that sentence was already sent', () => {
    const insults = policyOf({ contentCategories: [{ category: 'INSULTS', action: 'BLOCK' }] });
    const text = 'They are idiots. That was stupid. ok';
    const full = checkText(insults, 'OUTPUT', text);
    expect(full.action).toBe('BLOCKED');
    expect(full.findings[0]).toMatchObject({ kind: 'CONTENT', match: 'idiots', start: 9 });
    expect(leaks(insults, text)).toEqual([]);
  });

  it('word filter never matches a denied word inside CJK text written without spaces', () => {
    const p = policyOf({ wordFilters: { words: ['秘密', 'secret'] } });
    expect(checkText(p, 'OUTPUT', '这是 秘密 文件').action).toBe('BLOCKED');
    expect(checkText(p, 'OUTPUT', '这是秘密文件').action).toBe('BLOCKED');
    expect(checkText(p, 'OUTPUT', 'これはsecretです').action).toBe('BLOCKED');
  });

  it('word filter misses a phrase written with a combining accent (NFD) instead of the precomposed letter', () => {
    const p = policyOf({ wordFilters: { words: ['café noir'] } });
    expect(checkText(p, 'OUTPUT', 'a café noir please').action).toBe('BLOCKED');
    expect(checkText(p, 'OUTPUT', 'a cafe\u0301 noir please').action).toBe('BLOCKED');
  });
});
