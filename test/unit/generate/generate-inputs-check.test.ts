import { CacheMode, checkedGenerateRequest, generateRequestSchema, parseGenerateInput, type GenerateInput } from '../../../src/generate/generate.inputs';

/**
 * `checkedGenerateRequest` is `generateRequestSchema` (after parseGenerateInput's JSON copy) without
 * zod's per-field cost: it must vouch only for inputs the schema accepts, and return exactly what the
 * schema returns (same keys, same order, same values). Held to the schema here over every field of
 * three inputs (the benchmark's RAG request, a request using every field, a minimal one), each field
 * and each field of its chunks and turns replaced by values of every kind, keys added and removed.
 */

type Rec = Record<string, unknown>;

const chunks = Array.from({ length: 3 }, (_, i) => ({ id: `doc-${i}`, text: `Paris guide, part ${i + 1}. The Seine.`, score: 0.9 - i * 0.01 }));
const bases: Rec[] = [
  { prompt: 'bench', input: 'Where is Paris?', context: chunks, cache: 'BYPASS', user: 'bench-user' },
  {
    prompt: '  support ',
    label: 'production',
    version: 3,
    variables: { city: 'Paris', _x1: '' },
    messages: [
      { role: 'USER', content: 'hi' },
      { role: 'ASSISTANT', content: 'hello' },
    ],
    input: '',
    context: [
      { id: 'a', text: '', score: 0, source: 'kb' },
      { id: 'b', text: 't', score: 1, source: null },
      { id: 'c', text: 't' },
    ],
    user: ' u ',
    sessionId: 's-1',
    maxOutputTokens: 200,
    modelId: ' amazon.nova-lite-v1:0 ',
    tags: ['a', 'b', 'a'],
    cache: 'REFRESH',
  },
  { prompt: 'p' },
];

/** Values of every kind a field (or a chunk's, a turn's) may be given. */
const VALUES: unknown[] = [
  undefined,
  null,
  '',
  ' ',
  'x',
  '  x  ',
  'production',
  'Prod',
  '1abc',
  'a'.repeat(100),
  'a'.repeat(101),
  'a'.repeat(200),
  'a'.repeat(201),
  'a'.repeat(301),
  'a'.repeat(501),
  'USER',
  'ASSISTANT',
  'BYPASS',
  'DEFAULT',
  'nope',
  '__proto__',
  '\ud800',
  0,
  -0,
  1,
  0.5,
  -1,
  2,
  1.5,
  Number.MAX_SAFE_INTEGER + 1,
  NaN,
  Infinity,
  true,
  false,
  [],
  ['a'],
  ['a', 'a', 'b'],
  [''],
  [1],
  Array.from({ length: 51 }, (_, i) => `t${i}`),
  {},
  { a: 'b' },
  { a: 1 },
  { '1a': 'x' },
  { toJSON: () => 'x' },
  new Date(0),
  [{ role: 'USER', content: 'c' }],
  [{ role: 'USER', content: '' }],
  [{ role: 'SYSTEM', content: 'c' }],
  [{ role: 'USER', content: 'c', extra: 1 }],
  [{ id: 'x', text: 't' }],
  [{ id: '', text: 't' }],
  [{ id: 'x', text: 't', score: 2 }],
  [{ id: 'x', text: 't', other: true }],
  [undefined],
];

function copy(v: Rec): Rec {
  return structuredClone(v);
}

/** Every variant: each field of the base (and of its chunks and turns) set to each value, or deleted; unknown keys added. */
function* variants(base: Rec): Generator<Rec> {
  yield copy(base);
  const fields = Object.keys(generateRequestSchema.shape);
  for (const f of [...fields, 'extra']) {
    for (const v of VALUES) {
      const x = copy(base);
      x[f] = v;
      yield x;
    }
    const x = copy(base);
    delete x[f];
    yield x;
  }
  for (const list of ['context', 'messages'] as const) {
    const items = base[list] as Rec[] | undefined;
    if (!items?.length) continue;
    const keys = list === 'context' ? ['id', 'text', 'score', 'source', 'extra'] : ['role', 'content', 'extra'];
    for (const k of keys) {
      for (const v of VALUES) {
        const x = copy(base);
        (x[list] as Rec[])[1 % items.length]![k] = v;
        yield x;
      }
    }
  }
  // A variable named like a prototype key, a long text, a holed array.
  yield { ...copy(base), variables: JSON.parse('{"__proto__": "x"}') as Rec };
  yield { ...copy(base), input: 'x'.repeat(1_000_001) };
  // eslint-disable-next-line no-sparse-arrays
  yield { ...copy(base), tags: ['a', , 'b'] };
}

/** What the schema makes of an input, as parseGenerateInput's slow path sees it (after the JSON copy). */
function bySchema(x: Rec): { ok: true; data: unknown } | { ok: false } {
  let plain: unknown;
  try {
    plain = JSON.parse(JSON.stringify(x));
  } catch {
    return { ok: false };
  }
  const r = generateRequestSchema.safeParse(plain);
  return r.success ? { ok: true, data: r.data } : { ok: false };
}

describe('checkedGenerateRequest', () => {
  it('vouches only for inputs the schema accepts, and returns what the schema returns, key for key', () => {
    let vouched = 0;
    let total = 0;
    const missed: string[] = [];
    for (const base of bases) {
      for (const x of variants(base)) {
        total++;
        const fast = checkedGenerateRequest(x);
        if (!fast) {
          if (bySchema(x).ok) missed.push(JSON.stringify(x));
          continue;
        }
        vouched++;
        const slow = bySchema(x);
        expect({ input: x, accepted: slow.ok }).toEqual({ input: x, accepted: true });
        if (!slow.ok) continue;
        expect(fast).toEqual(slow.data);
        // Same keys in the same order (traces store the request as JSON).
        expect(JSON.stringify(fast)).toBe(JSON.stringify(slow.data));
      }
    }
    // It must vouch for most of what the schema accepts, not defer everything (it defers values with a
    // toJSON of their own, e.g. a Date where a string belongs, which the JSON copy turns into strings).
    expect(total).toBeGreaterThan(3000);
    expect(vouched).toBeGreaterThan(500);
    expect(missed.length).toBeLessThan(vouched / 4);
  });

  it('vouches for the requests a RAG frontend sends (GraphQL-coerced class instances included)', () => {
    for (const base of bases) expect(checkedGenerateRequest(base)).not.toBeNull();
    // type-graphql hands the resolver class instances: the check reads them as JSON would.
    class Chunk {
      id = 'doc-1';
      text = 'Paris.';
      score: number | undefined = undefined;
    }
    class Input {
      prompt = 'bench';
      input = 'Where?';
      context = [new Chunk()];
      cache = CacheMode.BYPASS;
      user: string | undefined = undefined;
    }
    const fast = checkedGenerateRequest(new Input());
    expect(fast).not.toBeNull();
    expect(fast).toEqual(generateRequestSchema.parse(JSON.parse(JSON.stringify(new Input()))));
  });

  it('leaves every input it does not vouch for to zod: the same BAD_USER_INPUT naming the field', () => {
    const bad: Rec[] = [
      { prompt: ' ' },
      { prompt: 'p', context: [{ id: 'a', text: 't', score: 2 }] },
      { prompt: 'p', label: 'Prod' },
      { prompt: 'p', extra: 1 },
      { prompt: 'p', messages: [{ role: 'USER', content: '' }] },
    ];
    const messages = bad.map((x) => {
      expect(checkedGenerateRequest(x)).toBeNull();
      try {
        parseGenerateInput(x as unknown as GenerateInput);
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    });
    expect(messages).toEqual([
      'input.prompt: must not be empty',
      'input.context.0.score: must be in 0..1',
      'input.label: must be a lowercase label name',
      'input: unknown key(s) "extra"',
      'input.messages.0.content: must not be empty',
    ]);
  });
});
