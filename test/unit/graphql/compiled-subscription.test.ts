import { execute, parse, subscribe, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { buildAppSchema } from '../../../src/schema';
import { compileEventMapper, createCompiledSubscribe } from '../../../src/graphql/compiled-subscription';
import { GenerateResolver, IDENTITY_SUBSCRIPTION_FIELDS, PLAIN_EVENT_TYPES, type GenerateEventData } from '../../../src/generate';

const options = { identityRootFields: IDENTITY_SUBSCRIPTION_FIELDS, plainTypes: PLAIN_EVENT_TYPES };

const finding = { kind: 'PII', name: 'EMAIL', action: 'ANONYMIZED', match: '[EMAIL_1]', start: 3, end: 12, score: 0.91, source: 'output' };
const EVENTS: GenerateEventData[] = [
  { __typename: 'GenerationStarted', traceId: 't-1', modelId: 'm', promptVersion: 2, label: null, routedBy: 'rule-a', cached: false },
  { __typename: 'TextDelta', text: 'Hello', index: 0 },
  { __typename: 'GuardrailIntervened', direction: 'OUTPUT', action: 'ANONYMIZED', policy: 'pii-out', findings: [finding as never, { kind: 'TOPIC', name: 'x', action: 'NONE' } as never] },
  { __typename: 'TextDelta', text: ' world', index: 1 },
  {
    __typename: 'GenerationCompleted',
    traceId: 't-1',
    modelId: 'm',
    stopReason: 'end_turn',
    usage: { inputTokens: 10, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0, byStage: { system: 1, context: 2, history: 3, input: 4, output: 3 } },
    costUsd: 0.000123,
    costByStage: { system: 0.1, context: 0.2, history: 0, input: 0.3, output: 0.4, cacheRead: 0, cacheWrite: 0 },
    latencyMs: 12.5,
    ttftMs: null,
    cached: false,
  },
  { __typename: 'GenerationFailed', traceId: null, code: 'PROVIDER_ERROR', message: 'boom' },
];

const DOCUMENTS = [
  // What the e2e tests ask for: inline fragments on every member, an alias.
  `subscription($i: GenerateInput!) { generate(input: $i) {
    __typename
    ... on GenerationStarted { traceId modelId promptVersion label routedBy cached }
    ... on TextDelta { text index }
    ... on GuardrailIntervened { direction action policy findings { kind name action match start end score source } }
    ... on GenerationCompleted { traceId stopReason costUsd cached latencyMs ttftMs
        usage { inputTokens outputTokens cacheReadTokens cacheWriteTokens byStage { system context history input output } }
        costByStage { system context history input output cacheRead cacheWrite } }
    ... on GenerationFailed { failedTraceId: traceId code message } } }`,
  // Named fragments, aliases of the root field and of __typename, a field asked twice, a fragment on the union.
  `subscription S($i: GenerateInput!) { g: generate(input: $i) { t: __typename ...C ... on TextDelta { text again: text } ... on GenerateEvent { __typename } } }
   fragment C on GenerationCompleted { usage { byStage { output } inputTokens } costUsd ...C2 }
   fragment C2 on GenerationCompleted { usage { outputTokens } modelId }`,
  // The bench client's selection.
  `subscription($i: GenerateInput!) { generate(input: $i) { __typename ... on TextDelta { text } ... on GenerationFailed { code message } } }`,
];

const contextValue = { apiKey: { id: 'k', name: 'app', role: 'APP' } };
const variableValues = { i: { prompt: 'support' } };

describe('compiled subscription events: the same result as graphql-js, without executing the selection set per event', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildAppSchema();
  });

  it('maps every event kind exactly as graphql-js executes it, for several documents', async () => {
    for (const text of DOCUMENTS) {
      const document = parse(text);
      const mapper = compileEventMapper(schema, document, undefined, options);
      expect(mapper).not.toBeNull();
      for (const event of EVENTS) {
        const expected = await execute({ schema, document, rootValue: event, contextValue, variableValues });
        expect(expected.errors).toBeUndefined();
        // Key order included: the client receives the JSON.
        expect(JSON.stringify({ data: await mapper!(event, contextValue) })).toBe(JSON.stringify(expected));
      }
    }
  });

  it('leaves to graphql-js what the plan does not cover: directives, and an event that breaks the schema', async () => {
    const withDirective = parse(`subscription($i: GenerateInput!, $x: Boolean!) { generate(input: $i) { __typename ... on TextDelta { text @include(if: $x) } } }`);
    expect(compileEventMapper(schema, withDirective, undefined, options)).toBeNull();
    // Not listed as plain: not compiled.
    expect(compileEventMapper(schema, parse(DOCUMENTS[2]!), undefined, { ...options, plainTypes: new Set(['GenerationFailed']) })).toBeNull();
    const mapper = compileEventMapper(schema, parse(DOCUMENTS[0]!), undefined, options)!;
    // A null in a non-null field: graphql-js's error, not a compiled guess.
    await expect(mapper({ __typename: 'TextDelta', text: null, index: 0 }, contextValue)).rejects.toBeDefined();
  });

  it('runs the per-event resolver 0 times over a stream (graphql-js: once per event), with the same results', async () => {
    const document = parse(DOCUMENTS[0]!);
    const run = async function* () {
      // No two TextDeltas in a row: nothing to join, whatever the timing.
      yield* EVENTS.filter((e) => e.__typename !== 'GenerationFailed');
    };
    const args = (): ExecutionArgs => ({ schema, document, variableValues, contextValue: { ...contextValue, services: { generation: { run } }, signal: new AbortController().signal } });
    const perEvent = jest.spyOn(GenerateResolver.prototype, 'generate');
    const collect = async (out: unknown) => {
      const results: ExecutionResult[] = [];
      for await (const r of out as AsyncIterable<ExecutionResult>) results.push(r);
      return results;
    };
    const viaGraphql = await collect(await subscribe(args()));
    const graphqlCalls = perEvent.mock.calls.length;
    perEvent.mockClear();
    const compiledSubscribe = createCompiledSubscribe(options);
    const compiled = await collect(await compiledSubscribe(args()));
    expect(graphqlCalls).toBe(5);
    expect(perEvent).toHaveBeenCalledTimes(0);
    expect(compiledSubscribe.stats).toEqual({ compiledEvents: 5, executedEvents: 0 });
    expect(JSON.stringify(compiled)).toBe(JSON.stringify(viaGraphql));
    perEvent.mockRestore();
  });

  it('returns graphql-js errors from the subscribe resolver unchanged (auth, input)', async () => {
    const document = parse(DOCUMENTS[2]!);
    const compiledSubscribe = createCompiledSubscribe(options);
    for (const ctx of [{}, { apiKey: { id: 'k', name: 'reader', role: 'READ' } }]) {
      const expected = (await subscribe({ schema, document, variableValues, contextValue: ctx })) as ExecutionResult;
      const got = (await compiledSubscribe({ schema, document, variableValues, contextValue: ctx })) as ExecutionResult;
      expect(got.errors).toHaveLength(1);
      expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
    }
  });

  it('lists as plain only types type-graphql reads as properties (no field resolver, middleware or role)', () => {
    const storage = getMetadataStorage();
    for (const name of PLAIN_EVENT_TYPES) {
      const meta = storage.objectTypes.find((o) => o.name === name);
      expect(meta).toBeDefined();
      expect(storage.fieldResolvers.filter((r) => r.getObjectType?.() === meta!.target)).toHaveLength(0);
      for (const f of meta!.fields ?? []) {
        expect({ type: name, field: f.schemaName, name: f.name, middlewares: f.middlewares?.length ?? 0, roles: f.roles?.length ?? 0, params: f.params?.length ?? 0 }).toEqual({
          type: name,
          field: f.schemaName,
          name: f.schemaName,
          middlewares: 0,
          roles: 0,
          params: 0,
        });
      }
    }
  });
});
