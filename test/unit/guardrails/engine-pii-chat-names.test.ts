import { createPiiDetector } from '../../../src/guardrails/engine/pii/pii-detector';

/**
 * Issue 12: NAME recall on chat and forms by new authors. One name-like word where only a person fits
 * in chat (after a greeting or a thanks that opens the message, before a verb only people take, after
 * "with"/"cc"/"from" before what follows a person), and names written in capitals in a name field or
 * on a signature line. Texts written for this test (not corpus rows); names of other cultures than the
 * tuning file's where possible.
 */

const detector = createPiiDetector(['NAME', 'ADDRESS', 'PHONE', 'EMAIL']);
const names = (text: string) => detector.find(text).flatMap((m) => (m.type === 'NAME' ? [text.slice(m.start, m.end)] : []));

describe('PII NAME: one given name in a chat position only a person fills', () => {
  it.each([
    ['a greeting, the name, then a word that goes on talking', 'hey Tupou can u resend the pdf', ['Tupou']],
    ['chat thanks with an exclamation mark', 'thx Kahurangi! all sorted now', ['Kahurangi']],
    ['chat thanks before an emoji', 'ty Olamide 🙌', ['Olamide']],
    ['"morning" alone as a greeting', 'morning Ebere! is the van back?', ['Ebere']],
    ['Portuguese chat thanks', 'valeu Jaciara, deu tudo certo', ['Jaciara']],
    ['a verb only people take after an unknown word', 'Taufahema told me the client wants blue', ['Taufahema']],
    ['a Spanish verb only people take', 'Quilla dijo que llega tarde', ['Quilla']],
    ['a verb only people take after "btw"', 'btw Tamiti wants the deck by 4', ['Tamiti']],
    ['"with" and a comma after the name', 'had a call with Amarachi, she agreed', ['Amarachi']],
    ['"cc" and "since" after the name', 'cc Vaea since he runs payroll', ['Vaea']],
    ['"from" and "saying" after the name', 'a voicemail from Ulufonua saying he is late', ['Ulufonua']],
  ])('%s', (_case, text, expected) => {
    expect(names(text)).toEqual(expected);
  });

  it.each([
    ['a greeting to a voice assistant before an imperative', 'hey Siri set a timer for five minutes'],
    ['thanks to a shop before "for"', 'thanks Temu for the broken lamp'],
    ['a product after "from" at the end of a sentence', 'Export the sheet from Dropbox.'],
    ['a product with a capital inside', 'Open it with OneDrive, then share.'],
    ['an app that "said" something', 'Revolut said the transfer failed'],
  ])('%s is not a NAME', (_case, text) => {
    expect(names(text)).toEqual([]);
  });
});

describe('PII NAME: names in capitals in a name field or a signature', () => {
  it.each([
    ['after "Name:"', 'Name: SEMISI TAUFA\nDOB: 02/02/1990', ['SEMISI TAUFA']],
    ['after a label in capitals', 'GUEST NAME: ADAEZE NWOSU\nROOM: 412', ['ADAEZE NWOSU']],
    ['one surname after "Nachname:"', 'Vorname: Milica\nNachname: JOVANOVIĆ', ['Milica', 'JOVANOVIĆ']],
    ['a Spanish name field with an accent', 'Nombre completo: ANTAY MAMANI CÁCERES', ['ANTAY MAMANI CÁCERES']],
    ['the line after a closing', 'Best regards,\nFATIMA ZAHRA BENALI\nLogistics', ['FATIMA ZAHRA BENALI']],
  ])('%s', (_case, text, expected) => {
    expect(names(text)).toEqual(expected);
  });

  it.each([
    ['a company in a name field', 'Name: HARBOUR VIEW MOTORS\nABN: pending'],
    ['a status header', 'STATUS: AWAITING PAYMENT'],
    ['a heading after a closing', 'Thanks,\nPLEASE NOTE\nOffice closed Monday'],
    ['an acronym in a name field', 'Name: HR'],
  ])('%s is not a NAME', (_case, text) => {
    expect(names(text)).toEqual([]);
  });
});
