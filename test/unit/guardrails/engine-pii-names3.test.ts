import { createPiiDetector } from '../../../src/guardrails/engine/pii/pii-detector';
import { checkText, compilePolicy, createStreamScanner } from '../../../src/guardrails/engine';
import { parseGuardrailPolicyConfig } from '../../../src/guardrails/guardrail-policy.schemas';

/**
 * Issue 12 (lane names3): names where documents and letters put them. Cells of a TSV row; vCard fields; a title before a
 * surname that is also a word or a place, or before the surname's particles; kin and people's roles named after a possessive
 * or an article in six languages; two people greeted together; a transcript's speaker in capitals; closings and
 * self-introductions the recognizer did not know. Precision: whole city names and cities after a preposition of place,
 * clitics that look like a Korean given name, organisation labels, "Damen und Herren". Texts written for this test (not
 * corpus or tuning rows).
 */

const detector = createPiiDetector(['NAME', 'ADDRESS', 'PHONE', 'EMAIL']);
const names = (text: string) => detector.find(text).flatMap((m) => (m.type === 'NAME' ? [text.slice(m.start, m.end)] : []));

describe('PII NAME: structured records', () => {
  it.each([
    ['a tab separates two names in a TSV row', 'owner\tapprover\nIngvild Rønning\tChukwuma Obi\n', ['Ingvild Rønning', 'Chukwuma Obi']],
    ["a vCard's FN and N fields", 'BEGIN:VCARD\nN:Dube;Tendai;;;\nFN:Tendai Dube\nEND:VCARD', ['Dube', 'Tendai', 'Tendai Dube']],
    ["a vCard's ORG field names a company", 'FN:Tendai Dube\nORG:Bulawayo Timber Works', ['Tendai Dube']],
  ])('%s', (_case, text, expected) => {
    expect(names(text)).toEqual(expected);
  });
});

describe('PII NAME: titles before surnames', () => {
  it.each([
    ['a surname that is an English word', 'Minutes: Mr. Brown opened, Ms. Green seconded.', ['Brown', 'Green']],
    ['a surname that is an adjective, no dot', 'Dr Long will see you now.', ['Long']],
    ['an Italian title before a city-named surname', 'Il signor Colombo ha firmato.', ['Colombo']],
    ['Spanish particles after a title', 'Asistió la Sra. de la Vega con su abogado.', ['de la Vega']],
    ['a capitalised Italian particle after a title', "Parere dell'avv. De Santis allegato.", ['De Santis']],
    ['German "von" after "Frau"', 'Frau von Arnim hat angerufen.', ['von Arnim']],
    ['Spanish "Dra." before a full name', 'Firmado por la Dra. Ainhoa Etxeberria.', ['Ainhoa Etxeberria']],
  ])('%s', (_case, text, expected) => {
    expect(names(text)).toEqual(expected);
  });

  it.each([
    ['a word after "p.m." is no surname', 'The call is at 5 p.m. Brown rice is served after.', []],
    ['no title, no name', 'Brown envelopes and Green folders are in the cupboard.', []],
  ])('%s', (_case, text, expected) => {
    expect(names(text)).toEqual(expected);
  });
});

describe('PII NAME: kin and roles, greetings, speakers, closings', () => {
  it.each([
    ['English kin after a possessive', 'My nephew Kaveh will collect the keys.', ['Kaveh']],
    ['French kin after a possessive', 'Ma fille Inès sera absente lundi.', ['Inès']],
    ['Italian kin after a possessive', 'Mia sorella Concetta ha pagato.', ['Concetta']],
    ['a role after "our"', 'Our guide Ngaire showed us the caves.', ['Ngaire']],
    ['two people greeted together', 'Hi Lusia and Sefa,\nthe forms are attached.', ['Lusia', 'Sefa']],
    ["a transcript's speaker in capitals", 'JUDGE: Go on.\nTAMIHANA: I saw the car at ten.', ['TAMIHANA']],
    ['an informal closing', 'See you there.\n\nTalk soon,\nOyelaran', ['Oyelaran']],
    ['a Dutch self-introduction', 'Goedemiddag, mijn naam is Wouter Brinkman.', ['Wouter Brinkman']],
    ['a Portuguese self-introduction', 'Chamo-me Benedita Lacerda e sou a titular.', ['Benedita Lacerda']],
    ['a "Cc:" header lists people', 'Cc: Oluwatobi, Kehinde Afolabi\nSubject: lab results', ['Oluwatobi', 'Kehinde Afolabi']],
    ['someone asked about something', 'I asked Thandeka about the lease.', ['Thandeka']],
    ['a welcome', 'Welcome aboard, Nandini!', ['Nandini']],
    ['a modal opening a question is not taken into a name', 'Can Oluwadamilola join the call?', []],
  ])('%s', (_case, text, expected) => {
    expect(names(text)).toEqual(expected);
  });

  it.each([
    ['a salutation to ladies and gentlemen', 'Sehr geehrte Damen und Herren,\nanbei die Rechnung.', []],
    ['a field label in capitals is no speaker', 'NIF: B12345678\nCIF: A87654321', []],
    ['a role label in capitals is no speaker', 'WARNING: the tank is empty.', []],
    ["a firm's name in capitals with no speaker before it", 'FEDEX: Tracking number follows.', []],
    ['a firm after "Contact:"', 'Contact: Globex Support', []],
    ['a negative contraction is no name', "Don't miss Spotify Premium, and aren't you glad?", []],
  ])('%s', (_case, text, expected) => {
    expect(names(text)).toEqual(expected);
  });
});

describe('PII NAME: places', () => {
  it.each([
    ['a two-word city', 'Our new office is in Milton Keynes.', []],
    ['a city with its particle', 'La sede está en Alcalá de Henares.', []],
    ['one-word cities between "from" and "to" and after "via"', 'Buses run from Regina to Saskatoon via Davidson.', []],
    ['a person still, when addressed', 'Please send the draft to Regina before Friday.', ['Regina']],
  ])('%s', (_case, text, expected) => {
    expect(names(text)).toEqual(expected);
  });
});

describe('PII NAME (names3) in a stream: released text equals the whole-text check', () => {
  const policy = compilePolicy(parseGuardrailPolicyConfig({ pii: { entities: [{ type: 'NAME', action: 'ANONYMIZE' }] } }));
  const stream = (deltas: string[]): string => {
    const scanner = createStreamScanner(policy);
    let out = '';
    for (const d of deltas) out += scanner.push(d).release;
    return out + scanner.end().release;
  };
  it.each([
    'Minutes: Mr. Brown opened, Ms. Green seconded.',
    'Asistió la Sra. de la Vega con su abogado.',
    'Hi Lusia and Sefa,\nthe forms are attached.',
    'JUDGE: Go on.\nTAMIHANA: I saw the car at ten.',
    'My nephew Kaveh will collect the keys.',
    'owner\tapprover\nIngvild Rønning\tChukwuma Obi\n',
    "Don't wait for Mr. Brown, he's late.",
  ])('%s: one character at a time and split at every position', (text) => {
    const whole = checkText(policy, 'OUTPUT', text).text;
    expect(whole).not.toBe(text);
    expect(stream([...text])).toBe(whole);
    for (let i = 1; i < text.length; i++) expect(stream([text.slice(0, i), text.slice(i)])).toBe(whole);
  });
});
