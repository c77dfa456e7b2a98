/**
 * compromise, the faker locales and tinyld cost seconds to load (README: Tests) and are loaded on
 * first use: importing the app (the composition root every test app and `npm start` import) loads
 * none of them; the first name lookup and the first language detection do, and work.
 */
// Each factory notes the load, then hands back the real library. The app is required inside the tests,
// after `mockLoaded` exists (a static import would run before it); its own imports still meet the mocks.
const mockLoaded: string[] = [];
jest.mock('compromise', () => (mockLoaded.push('compromise'), jest.requireActual('compromise')));
jest.mock('@faker-js/faker', () => (mockLoaded.push('@faker-js/faker'), jest.requireActual('@faker-js/faker')));
jest.mock('tinyld', () => (mockLoaded.push('tinyld'), jest.requireActual('tinyld')));

it('importing the app loads none of compromise, @faker-js/faker, tinyld', () => {
  const { createApp } = jest.requireActual<typeof import('../../../src/app')>('../../../src/app');
  expect(typeof createApp).toBe('function');
  expect(mockLoaded).toEqual([]);
});

it('the first name lookup loads compromise and the faker names, and finds the name', () => {
  const { nameRecognizer } = jest.requireActual<typeof import('../../../src/guardrails/engine/pii/name.recognizer')>('../../../src/guardrails/engine/pii/name.recognizer');
  const text = 'Please ask Somchai Srisawat to sign.';
  expect(nameRecognizer.find(text, new Set(['NAME'])).map((m) => text.slice(m.start, m.end))).toEqual(['Somchai Srisawat']);
  expect(mockLoaded).toEqual(expect.arrayContaining(['compromise', '@faker-js/faker']));
});

it('the first language detection loads tinyld, and detects the language', () => {
  const { inputLanguage } = jest.requireActual<typeof import('../../../src/analytics/drift/input-language')>('../../../src/analytics/drift/input-language');
  expect(inputLanguage('Bonjour, pouvez-vous résumer ce document pour moi, s’il vous plaît ?')).toBe('fr');
  expect(mockLoaded).toContain('tinyld');
});
