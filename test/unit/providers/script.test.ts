import { parseScript } from '../../../src/providers/emulator/emulator.script';

describe('emulator script parsing', () => {
  it('reads every directive on its own line, ignoring ordinary text', () => {
    const s = parseScript(
      [
        'Please answer the question below.',
        '#reply: Hello: world\\nline two',
        '#tokens: 12',
        '#error: ThrottlingException slow down',
        '#error@us.anthropic.claude-sonnet-4-20250514-v1:0: ServiceUnavailableException',
        '#error-mid: ModelStreamErrorException 503',
        '#delay-ms: 250',
        '#interval-ms: 5',
        '#chunk-chars: 3',
        'not #reply: this one',
      ].join('\n'),
    );
    expect(s.reply).toBe('Hello: world\nline two');
    expect(s.tokens).toBe(12);
    expect(s.error).toEqual({ name: 'ThrottlingException', message: 'slow down' });
    expect(s.errorsByModel.get('us.anthropic.claude-sonnet-4-20250514-v1:0')).toEqual({ name: 'ServiceUnavailableException' });
    expect(s.errorMid).toEqual({ name: 'ModelStreamErrorException', originalStatusCode: 503 });
    expect(s).toMatchObject({ delayMs: 250, intervalMs: 5, chunkChars: 3 });
  });

  it('keeps the first of a repeated directive and ignores bad values', () => {
    const s = parseScript('#reply: first\n#reply: second\n#tokens: many\n#chunk-chars: 0\n#delay-ms: -5\n#unknown: x\r\n#error-mid: ThrottlingException');
    expect(s.reply).toBe('first');
    expect(s.tokens).toBeUndefined();
    expect(s.chunkChars).toBeUndefined();
    expect(s.delayMs).toBeUndefined();
    expect(s.errorMid).toEqual({ name: 'ThrottlingException' });
  });

  it('finds nothing in text without directives, and allows an empty reply', () => {
    expect(parseScript('Just a question about #hashtags: really?')).toEqual({ errorsByModel: new Map() });
    expect(parseScript('#reply:').reply).toBe('');
    expect(parseScript('  #reply:   indented  ').reply).toBe('  indented  ');
  });
});
