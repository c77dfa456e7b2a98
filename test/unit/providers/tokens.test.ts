import { countTokens, splitTokens } from '../../../src/providers/tokens';

describe('the token-counting rule', () => {
  it('splits into pieces of up to 4 word characters with leading whitespace, one piece per other character', () => {
    expect(splitTokens('Hello, world!')).toEqual(['Hell', 'o', ',', ' worl', 'd', '!']);
    expect(countTokens('Hello, world!')).toBe(6);
    expect(splitTokens('a  b\n')).toEqual(['a', '  b', '\n']);
    expect(splitTokens('naïve 日本語のテキスト 👍🏽')).toEqual(['naïv', 'e', ' 日本語の', 'テキスト', ' 👍', '🏽']);
    expect(countTokens('')).toBe(0);
    expect(countTokens('   ')).toBe(1);
  });

  it('splits every text into pieces that concatenate back to it, counted the same by both functions', () => {
    const samples = ['', ' ', 'x', '  leading and trailing  ', 'tabs\tand\nnewlines\r\n', '{"json": [1, 2.5, null]}', '#reply: hi\n#tokens: 3', 'ÅÅÅÅÅ ççç', '\u0000\u0001 ctrl'];
    for (const s of samples) {
      expect(splitTokens(s).join('')).toBe(s);
      expect(countTokens(s)).toBe(splitTokens(s).length);
    }
  });
});
