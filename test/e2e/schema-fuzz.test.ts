import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  isUnionType,
  type GraphQLNamedType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import WebSocket from 'ws';
import { buildAppSchema } from '../../src/schema';
import { ADMIN_SECRET, startTestApp, type TestApp } from '../helpers/test-app';
import { mulberry32 } from '../../src/core/seeded-random';

/**
 * Schema-driven fuzz over HTTP and graphql-ws: every operation, every argument (and every field of
 * an input argument) gets wrong types, extremes, deep JSON (5,000 levels), a routing condition
 * nested 1,600 levels, years 0000, arrays of 10,000 wrong-typed elements, control characters, NUL
 * and lone surrogates, one at a time over an otherwise plausible call. No answer may be a 5xx or an
 * INTERNAL_SERVER_ERROR, and no socket may close. Seeded (FUZZ_SEED) and bounded (FUZZ_PER_PATH
 * bad values per argument path), so a failure reproduces.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 1337);
const PER_PATH = Number(process.env.FUZZ_PER_PATH ?? 4);

const rand = mulberry32(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** Raw JSON spliced into the request text (JSON.stringify runs out of stack on such values). */
const DEEP_5000 = '__RAW_DEEP_5000__';
const DEEP_CONDITION = '__RAW_CONDITION_1600__';
const RAW: Record<string, string> = {
  [DEEP_5000]: '{"d":'.repeat(5000) + '1' + '}'.repeat(5000),
  [DEEP_CONDITION]: '{"inputMatches":'.repeat(1600) + '"x"' + '}'.repeat(1600),
};

const STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\u0001\u0002\u001f\u007f',
  '\u202e\u200b',
  '😀'.repeat(50),
  "' OR 1=1 --",
  '%_\\',
  '../../etc/passwd',
  'x'.repeat(300),
  'y'.repeat(1_100_000),
  '{{x}}{{',
  '(a+)+$',
];
const INTS = [0, -1, 2_147_483_647, -2_147_483_648, 1_000_000_000];
const FLOATS = [0, -0.000001, 1e308, -1e308, 1e-300, 123456789.12345679];
const DATES = ['0000-01-01T00:00:00Z', '0000-01-01', '9999-12-31T23:59:59.999Z', '-000001-01-01T00:00:00Z', '2026-13-45T25:61:61Z', 'not a date', '1970-01-01T00:00:00+14:00'];
const IDS = ['not-a-uuid', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '', "1'; DROP TABLE traces; --"];
const JSONS: unknown[] = [
  DEEP_5000,
  DEEP_CONDITION,
  Array.from({ length: 10_000 }, (_, i) => (i % 2 ? 'x' : { n: i })),
  { a: '\u0000' },
  { k: '\ud800' },
  'string',
  42,
  null,
  [],
  { __proto__: { polluted: true } },
  { minInputTokens: -1, inputMatches: '(a+)+' },
];
const WRONG: unknown[] = ['1', 1.5, true, {}, [], 'null', -0.5, { nested: [1, 2] }];

function badValues(type: GraphQLInputType): unknown[] {
  const named = getNamedType(type);
  const out: unknown[] = [...WRONG, null];
  if (isListType(getNullableType(type)))
    out.push(
      Array.from({ length: 10_000 }, (_, i) => (i % 2 ? 12345 : { wrong: true })),
      [],
      [null],
    );
  if (isScalarType(named)) {
    if (named.name === 'String') out.push(...STRINGS);
    if (named.name === 'Int') out.push(...INTS, 2_147_483_648, 1e20);
    if (named.name === 'Float') out.push(...FLOATS);
    if (named.name === 'ID') out.push(...IDS);
    if (named.name === 'DateTime') out.push(...DATES);
    if (named.name === 'JSON') out.push(...JSONS);
  }
  if (isEnumType(named)) out.push('NOT_A_VALUE', named.getValues()[0]!.value, 'production');
  if (isInputObjectType(named)) out.push({ unknownField: 1 }, Object.fromEntries(Object.keys(named.getFields()).map((k) => [k, '\u0000'])));
  return out;
}

/** A plausible value, so that the one bad value is what the server has to deal with. */
function plausible(type: GraphQLInputType, name: string, depth = 0): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [plausible(nullable.ofType as GraphQLInputType, name, depth + 1)];
  const named = getNamedType(type);
  if (isEnumType(named)) return named.getValues()[0]!.value;
  if (isInputObjectType(named)) {
    if (depth > 3) return {};
    const fields = Object.values(named.getFields());
    return Object.fromEntries(fields.filter((f) => isNonNullType(f.type) || rand() < 0.5).map((f) => [f.name, plausible(f.type, f.name, depth + 1)]));
  }
  switch (named.name) {
    case 'Int':
      return /first|version|priority|max/i.test(name) ? 1 : 10;
    case 'Float':
      return /threshold|score|rate/i.test(name) ? 0.5 : 1;
    case 'Boolean':
      return true;
    case 'ID':
      return '00000000-0000-4000-8000-000000000000';
    case 'DateTime':
      return new Date().toISOString();
    case 'JSON':
      return name === 'condition' ? { minInputTokens: 1 } : {};
    default:
      if (/prompt|evalSet|policy/i.test(name)) return 'fz';
      if (/model/i.test(name)) return 'amazon.nova-micro-v1:0';
      if (/label/i.test(name)) return 'production';
      if (/input/i.test(name)) return 'hello\n#tokens: 3';
      if (/window/i.test(name)) return '1h';
      if (/metric/i.test(name)) return 'cost';
      return `fz-${Math.floor(rand() * 1e6)}`;
  }
}

function typeString(t: GraphQLInputType): string {
  return t.toString();
}

interface Case {
  op: string;
  kind: 'query' | 'mutation' | 'subscription';
  document: string;
  variables: Record<string, unknown>;
  path: string;
}

/** A selection that asks for every scalar field up to a small depth (enough to run field resolvers). */
function selection(type: GraphQLNamedType, depth = 0): string {
  if (!('getFields' in type) || isInputObjectType(type)) {
    if (isUnionType(type)) {
      // Members may share a field name with different types: alias each member's scalars apart.
      const parts = type.getTypes().map((m) => {
        const scalars = Object.values(m.getFields()).filter((f) => isScalarType(getNamedType(f.type)) || isEnumType(getNamedType(f.type)));
        return `... on ${m.name} { ${scalars.map((f) => `${m.name}_${f.name}: ${f.name}`).join(' ') || '__typename'} }`;
      });
      return `__typename ${parts.join(' ')}`;
    }
    return '';
  }
  const fields = Object.values((type as { getFields(): Record<string, GraphQLField<unknown, unknown>> }).getFields());
  const parts: string[] = [];
  for (const f of fields) {
    if (f.args.some((a) => isNonNullType(a.type))) continue;
    const named = getNamedType(f.type);
    if (isScalarType(named) || isEnumType(named)) parts.push(f.name);
    else if (depth < 2) {
      const inner = selection(named, depth + 1);
      if (inner) parts.push(`${f.name} { ${inner} }`);
    }
  }
  return parts.join(' ');
}

function cases(schema: GraphQLSchema): Case[] {
  const out: Case[] = [];
  const roots: Array<['query' | 'mutation' | 'subscription', ReturnType<GraphQLSchema['getQueryType']>]> = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  for (const [kind, root] of roots) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      const args: readonly GraphQLArgument[] = field.args;
      const sel = selection(getNamedType(field.type));
      const varDefs = args.map((a) => `$${a.name}: ${typeString(a.type)}`).join(', ');
      const argList = args.map((a) => `${a.name}: $${a.name}`).join(', ');
      const document = `${kind} Fuzz${varDefs ? `(${varDefs})` : ''} { ${field.name}${argList ? `(${argList})` : ''}${sel ? ` { ${sel} }` : ''} }`;
      const base = () => Object.fromEntries(args.map((a) => [a.name, plausible(a.type, a.name)]));
      if (!args.length) out.push({ op: field.name, kind, document, variables: {}, path: '(none)' });
      for (const a of args) {
        const paths: Array<{ path: string; type: GraphQLInputType; set: (v: Record<string, unknown>, x: unknown) => void }> = [{ path: a.name, type: a.type, set: (v, x) => (v[a.name] = x) }];
        const named = getNamedType(a.type);
        if (isInputObjectType(named)) {
          for (const f of Object.values(named.getFields()) as GraphQLInputField[]) {
            paths.push({
              path: `${a.name}.${f.name}`,
              type: f.type,
              set: (v, x) => {
                const obj = (v[a.name] && typeof v[a.name] === 'object' && !Array.isArray(v[a.name]) ? v[a.name] : {}) as Record<string, unknown>;
                v[a.name] = { ...obj, [f.name]: x };
              },
            });
          }
        }
        for (const p of paths) {
          const pool = badValues(p.type);
          const chosen = new Set<unknown>();
          // The deep and huge values always go to JSON and list arguments; the rest is sampled.
          for (const v of pool) if (v === DEEP_5000 || v === DEEP_CONDITION) chosen.add(v);
          while (chosen.size < Math.min(pool.length, PER_PATH + 2)) chosen.add(pick(pool));
          for (const bad of chosen) {
            const variables = base();
            p.set(variables, bad);
            out.push({ op: field.name, kind, document, variables, path: p.path });
          }
        }
      }
    }
  }
  return out;
}

function body(c: Case): string {
  let text = JSON.stringify({ query: c.document, variables: c.variables, operationName: 'Fuzz' });
  for (const [token, raw] of Object.entries(RAW)) text = text.split(JSON.stringify(token)).join(raw);
  return text;
}

// Over a thousand operations each: a loaded 2-core machine (CI shares it) can take more than jest's
// default minute; the fuzz is judged on its answers, not its speed.
const FUZZ_TIMEOUT_MS = 240_000;

describe('schema fuzz (HTTP and graphql-ws): no 5xx, no INTERNAL_SERVER_ERROR', () => {
  let t: TestApp;
  let schema: GraphQLSchema;
  let all: Case[];
  const byCode = new Map<string, number>();
  const count = (code: string) => byCode.set(code, (byCode.get(code) ?? 0) + 1);

  beforeAll(async () => {
    t = await startTestApp();
    schema = await buildAppSchema();
    all = cases(schema);
    await t.gql('mutation { createPrompt(input: { name: "fz" }) { id } }');
    await t.gql('mutation { createPromptVersion(input: { prompt: "fz", system: "You help." }) { number } }');
    await t.gql('mutation { promotePromptVersion(input: { prompt: "fz", version: 1, label: "production" }) { promoted } }');
  });
  afterAll(async () => {
    // eslint-disable-next-line no-console
    console.log(`schema fuzz (seed ${SEED}): ${[...byCode].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    await t?.close();
  });

  it('covers every operation of the schema', () => {
    const ops = new Set(all.map((c) => c.op));
    for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
      for (const name of Object.keys(root?.getFields() ?? {})) expect(ops).toContain(name);
    }
    expect(all.length).toBeGreaterThan(1000);
  });

  it(
    'answers every query and mutation over HTTP without a 5xx or an INTERNAL_SERVER_ERROR',
    async () => {
      const failures: string[] = [];
      const http = all.filter((c) => c.kind !== 'subscription');
      const workers = 4;
      let next = 0;
      await Promise.all(
        Array.from({ length: workers }, async () => {
          while (next < http.length) {
            const c = http[next++]!;
            const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_SECRET}` }, body: body(c) });
            const text = await res.text();
            let codes: string[] = [];
            try {
              const json = JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string } }> };
              codes = (json.errors ?? []).map((e) => e.extensions?.code ?? 'NO_CODE');
            } catch {
              codes = [`HTTP_${res.status}`];
            }
            count(`http ${res.status}`);
            for (const code of new Set(codes.length ? codes : ['OK'])) count(code);
            if (res.status >= 500 || codes.includes('INTERNAL_SERVER_ERROR')) failures.push(`${c.op} ${c.path}: HTTP ${res.status} ${text.slice(0, 200)}`);
          }
        }),
      );
      expect(failures).toEqual([]);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'answers every operation over graphql-ws without an INTERNAL_SERVER_ERROR or a closed socket',
    async () => {
      const failures: string[] = [];
      // Every subscription case, and a seeded sample of the others, on one socket per 100 operations.
      const ws = all.filter((c) => c.kind === 'subscription' || rand() < 0.25);
      for (let i = 0; i < ws.length; i += 100) {
        const chunk = ws.slice(i, i + 100);
        const socket = new WebSocket(t.wsUrl, 'graphql-transport-ws');
        let closed: { code: number; reason: string } | null = null;
        socket.on('close', (code, reason) => (closed = { code, reason: reason.toString() }));
        await new Promise<void>((resolve, reject) => {
          socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ADMIN_SECRET}` } })));
          socket.on('message', (d) => {
            if ((JSON.parse(d.toString()) as { type: string }).type === 'connection_ack') resolve();
          });
          socket.on('error', reject);
        });
        const pending = new Map<string, Case>();
        const done = new Promise<void>((resolve) => {
          socket.on('message', (d) => {
            const m = JSON.parse(d.toString()) as { id?: string; type: string; payload?: unknown };
            if (!m.id || !pending.has(m.id)) return;
            const c = pending.get(m.id)!;
            const errors =
              (m.type === 'error' ? (m.payload as Array<{ extensions?: { code?: string } }>) : ((m.payload as { errors?: Array<{ extensions?: { code?: string } }> })?.errors ?? [])) ?? [];
            for (const e of errors) {
              const code = e.extensions?.code ?? 'NO_CODE';
              count(`ws ${code}`);
              if (code === 'INTERNAL_SERVER_ERROR') failures.push(`ws ${c.op} ${c.path}: ${JSON.stringify(e).slice(0, 200)}`);
            }
            if (m.type === 'complete' || m.type === 'error') {
              if (m.type === 'complete') count('ws complete');
              pending.delete(m.id);
              if (!pending.size) resolve();
            }
          });
          socket.on('close', () => resolve());
        });
        chunk.forEach((c, j) => {
          const id = String(i + j);
          pending.set(id, c);
          const payload = body(c);
          socket.send(`{"id":${JSON.stringify(id)},"type":"subscribe","payload":${payload}}`);
        });
        // Subscriptions that stream until told to stop (alerts, evalRunProgress) are completed by the client.
        const stopper = setTimeout(() => {
          for (const [id, c] of [...pending]) {
            if (c.kind !== 'subscription') continue;
            socket.send(JSON.stringify({ id, type: 'complete' }));
            pending.delete(id);
            count('ws stopped by client');
          }
          if (!pending.size) socket.emit('message', Buffer.from(JSON.stringify({ type: 'noop' })));
        }, 5000);
        await Promise.race([
          done,
          new Promise<void>((resolve) => {
            const poll = setInterval(() => {
              if (!pending.size) {
                clearInterval(poll);
                resolve();
              }
            }, 50);
          }),
        ]);
        clearTimeout(stopper);
        if (closed) failures.push(`socket closed ${JSON.stringify(closed)} with ${pending.size} operations pending`);
        socket.close();
      }
      expect(failures).toEqual([]);
    },
    FUZZ_TIMEOUT_MS,
  );
});
