import { GraphQLObjectType } from 'graphql';
import { startTestApp, ADMIN_SECRET, type TestApp } from '../helpers/test-app';
import { createBriefPrompt } from '../helpers/prompts';

const ONCE = 'mutation($i: GenerateInput!) { generateOnce(input: $i) { status text error { code message } } }';

/** Every field resolver of the schema's object types (introspection types aside), by `Type.field`. */
function resolvers(t: TestApp): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const type of Object.values(t.app.schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) out.set(`${type.name}.${field.name}`, field.resolve);
  }
  return out;
}

describe('generateOnce over HTTP: no per-field work beyond execution', () => {
  let t: TestApp;
  let key: string;
  /** The resolvers as built, before any operation ran. */
  let built: Map<string, unknown>;
  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'silent' });
    built = resolvers(t);
    key = await t.keyFor('APP', 'once-http-work');
    await createBriefPrompt(t, 'once-http');
  });
  afterAll(() => t?.close());

  it('answers as before, and no plugin wraps the schema’s field resolvers (a hook per field per operation)', async () => {
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: ONCE, variables: { i: { prompt: 'once-http', input: 'Say hi.\n#reply: Hi there.' } } }),
    });
    expect(res.status).toBe(200);
    // Nothing in this schema is cacheable, as Apollo's cache-control plugin said.
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { data?: { generateOnce: { status: string; text: string; error: unknown } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data!.generateOnce).toEqual({ status: 'COMPLETED', text: 'Hi there.', error: null });
    // A query with nested fields too.
    const q = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_SECRET}` },
      body: JSON.stringify({ query: '{ prompts { name versions { number } } }' }),
    });
    expect(q.headers.get('cache-control')).toBe('no-store');
    expect(((await q.json()) as { errors?: unknown }).errors).toBeUndefined();
    // A refused document too.
    const bad = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ nope }' }) });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('cache-control')).toBe('no-store');
    const after = resolvers(t);
    const wrapped = [...after].filter(([name, resolve]) => resolve !== built.get(name)).map(([name]) => name);
    expect(wrapped).toEqual([]);
  });
});
