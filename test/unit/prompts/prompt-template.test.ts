import { BadUserInputError } from '../../../src/graphql/errors';
import { checkVariables, findVariables, parseTemplate, renderTemplate, renderVersion } from '../../../src/prompts/index';

function thrown(fn: () => unknown): BadUserInputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BadUserInputError);
    return err as BadUserInputError;
  }
  throw new Error('expected a BadUserInputError');
}

describe('template slots', () => {
  it('splits text and slots, allowing spaces inside the braces', () => {
    expect(parseTemplate('Hi {{name}}, see {{ topic }}!')).toEqual([{ text: 'Hi ' }, { slot: 'name' }, { text: ', see ' }, { slot: 'topic' }, { text: '!' }]);
    expect(parseTemplate('{{a}}{{b}}')).toEqual([{ slot: 'a' }, { slot: 'b' }]);
    expect(parseTemplate('')).toEqual([]);
    expect(parseTemplate('no slots { at } all }}')).toEqual([{ text: 'no slots { at } all }}' }]);
  });

  it('finds distinct variables across templates in order of first appearance', () => {
    const vars = findVariables([
      { template: 'You help {{company}} customers in {{language}}.', field: 'input.system' },
      { template: null, field: 'input.x' },
      { template: '{{question}} ({{language}}, {{company}}) {{ _id2 }}', field: 'input.messages.0.content' },
    ]);
    expect(vars).toEqual(['company', 'language', 'question', '_id2']);
  });

  it.each([
    ['{{ }}', /malformed slot "\{\{ \}\}"/],
    ['{{}}', /malformed slot/],
    ['hello {{a b}}', /malformed slot "\{\{a b\}\}"/],
    ['{{1abc}}', /malformed slot/],
    ['{{a-b}}', /malformed slot/],
    ['{{a.b}}', /malformed slot/],
    ['{{{a}}}', /malformed slot/],
    ['text {{name', /unclosed slot/],
  ])('refuses %j naming the field', (template, message) => {
    const err = thrown(() =>
      findVariables([
        { template: 'fine {{x}}', field: 'input.system' },
        { template, field: 'input.messages.3.content' },
      ]),
    );
    expect(err.field).toBe('input.messages.3.content');
    expect(err.message).toMatch(/^input\.messages\.3\.content: /);
    expect(err.message).toMatch(message);
  });

  it('refuses an overly long slot name', () => {
    expect(() => parseTemplate(`{{${'a'.repeat(101)}}}`)).toThrow(/malformed slot/);
    expect(parseTemplate(`{{${'a'.repeat(100)}}}`)).toEqual([{ slot: 'a'.repeat(100) }]);
  });

  it('reads \\{{ as literal braces, not a slot', () => {
    expect(parseTemplate('JSON: \\{{"a": 1}} and {{x}}')).toEqual([{ text: 'JSON: {{"a": 1}} and ' }, { slot: 'x' }]);
    expect(findVariables([{ template: 'Write \\{{name}} to insert a name', field: 'f' }])).toEqual([]);
    expect(renderTemplate('Write \\{{name}} for {{who}}', { who: 'Ann' })).toBe('Write {{name}} for Ann');
  });
});

describe('renderTemplate', () => {
  it('fills every occurrence of a slot', () => {
    expect(renderTemplate('{{a}} and {{ a }} and {{b}}', { a: 'x', b: 'y' })).toBe('x and x and y');
  });

  it('inserts values verbatim and never expands slots inside values', () => {
    const out = renderTemplate('Q: {{q}} / secret: {{secret}}', { q: '{{secret}} $& $1 \\{{', secret: 'S' });
    expect(out).toBe('Q: {{secret}} $& $1 \\{{ / secret: S');
  });

  it('accepts empty strings and ignores unused variables', () => {
    expect(renderTemplate('[{{a}}]', { a: '', unused: 'z' })).toBe('[]');
  });

  it('refuses a missing variable, naming input.variables.<name>', () => {
    const err = thrown(() => renderTemplate('Hello {{name}}', {}));
    expect(err.field).toBe('input.variables.name');
    expect(err.message).toBe('input.variables.name: missing');
  });

  it('does not take a variable from Object.prototype', () => {
    const err = thrown(() => renderTemplate('{{toString}}', {}));
    expect(err.field).toBe('input.variables.toString');
  });

  it('refuses a value that is not a string', () => {
    const err = thrown(() => renderTemplate('n={{n}}', { n: 3 } as unknown as Record<string, string>));
    expect(err.field).toBe('input.variables.n');
  });
});

describe('renderVersion', () => {
  const version = {
    system: 'You are a {{tone}} assistant.',
    messages: [
      { role: 'USER' as const, content: 'Example about {{topic}}' },
      { role: 'ASSISTANT' as const, content: 'A {{tone}} answer.' },
    ],
  };

  it('renders system and messages, keeping roles', () => {
    expect(renderVersion(version, { tone: 'friendly', topic: 'tea', extra: 'ignored' })).toEqual({
      system: 'You are a friendly assistant.',
      messages: [
        { role: 'USER', content: 'Example about tea' },
        { role: 'ASSISTANT', content: 'A friendly answer.' },
      ],
    });
  });

  it('keeps a null system and works without variables when none are needed', () => {
    expect(renderVersion({ system: null, messages: [{ role: 'USER', content: 'plain' }] }, undefined)).toEqual({
      system: null,
      messages: [{ role: 'USER', content: 'plain' }],
    });
  });

  it('names the first missing variable', () => {
    expect(thrown(() => renderVersion(version, { tone: 'dry' })).field).toBe('input.variables.topic');
    expect(thrown(() => renderVersion(version, null)).field).toBe('input.variables.tone');
  });

  it.each([
    [{ tone: 1, topic: 't' }, 'input.variables.tone', /number/],
    [{ tone: 'x', topic: null }, 'input.variables.topic', /null/],
    [{ tone: 'x', topic: ['a'] }, 'input.variables.topic', /array/],
    [{ tone: 'x', topic: 't', other: { a: 1 } }, 'input.variables.other', /object/],
  ])('refuses non-string values %j', (vars, field, kind) => {
    const err = thrown(() => renderVersion(version, vars));
    expect(err.field).toBe(field);
    expect(err.message).toMatch(kind);
  });

  it.each([['a string'], [42], [['tone']]])('refuses variables that are not an object: %j', (vars) => {
    expect(thrown(() => renderVersion(version, vars)).field).toBe('input.variables');
  });

  it('checkVariables returns the same record for valid input', () => {
    const v = { a: 'b' };
    expect(checkVariables(v)).toBe(v);
    expect(checkVariables(undefined)).toEqual({});
  });
});
