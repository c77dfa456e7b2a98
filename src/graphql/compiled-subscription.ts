import {
  createSourceEventStream,
  execute,
  getOperationAST,
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  visit,
  BREAK,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLAbstractType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields';

/**
 * What the compiled path may assume about a schema (anything else is executed by graphql-js as usual).
 */
export interface CompiledSubscriptionOptions {
  /**
   * Subscription fields whose per-event resolver returns the event unchanged. graphql-js runs that
   * resolver (type-graphql's wrapper: the auth checker, the arguments turned into class instances)
   * once per event; the compiled path skips it. The auth checker already ran on the field's
   * `subscribe`, and it depends only on the operation's context, which no event changes.
   */
  identityRootFields: ReadonlySet<string>;
  /**
   * Object types whose values are plain objects and whose every field is read as the property of
   * that name: no field resolver, no middleware, no role, no arguments, no `isTypeOf`.
   */
  plainTypes: ReadonlySet<string>;
}

/** A value the compiled path does not handle the way graphql-js would (a null in a non-null field, a bad leaf…): execute that event as usual. */
const NOT_PLAIN = Symbol('not plain');

type Complete = (value: unknown) => unknown;

/** One compiled subscription operation: turns an event into its ExecutionResult's data. */
type EventMapper = (event: unknown, contextValue: unknown) => Promise<Record<string, unknown>>;

/**
 * graphql-ws's `subscribe`: the subscription's source stream as graphql-js builds it (variables
 * coerced, the field's `subscribe` run with its auth check and input parsing), then each event
 * turned into its result by a plan compiled once per document (the operation policy caches
 * documents by their text, so a document object is a cache key for its text). graphql-js executes
 * the operation's whole selection set once per event: its resolvers, paths and infos cost more than
 * the event's own serialization. The result is the same object graphql-js would produce; a
 * document the plan does not cover (directives, a field with a resolver, nested abstract types)
 * and any event that does not fit the plan are executed by graphql-js.
 */
export function createCompiledSubscribe(options: CompiledSubscriptionOptions) {
  const compiled = new WeakMap<DocumentNode, Map<string, EventMapper | null>>();
  const stats = { compiledEvents: 0, executedEvents: 0 };
  const mapperFor = (args: ExecutionArgs): EventMapper | null => {
    let byName = compiled.get(args.document);
    if (!byName) compiled.set(args.document, (byName = new Map()));
    const name = args.operationName ?? '';
    if (!byName.has(name)) byName.set(name, compileEventMapper(args.schema, args.document, args.operationName, options));
    return byName.get(name)!;
  };

  async function subscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
    const stream = await createSourceEventStream(args);
    if (!isAsyncIterable(stream)) return stream;
    const mapper = mapperFor(args);
    const executeEvent = (event: unknown): ExecutionResult | Promise<ExecutionResult> => {
      stats.executedEvents++;
      return execute({ ...args, rootValue: event });
    };
    if (!mapper) return mapAsyncIterator(stream, executeEvent);
    return mapAsyncIterator(stream, async (event) => {
      try {
        const data = await mapper(event, args.contextValue);
        stats.compiledEvents++;
        return { data };
      } catch (err) {
        if (err !== NOT_PLAIN) throw err;
        return executeEvent(event);
      }
    });
  }
  return Object.assign(subscribe, { stats });
}

/** Compiles a subscription operation's per-event execution, or null when the plan does not cover it. */
export function compileEventMapper(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, options: CompiledSubscriptionOptions): EventMapper | null {
  const operation = getOperationAST(document, operationName);
  const rootType = schema.getSubscriptionType();
  if (!operation || operation.operation !== 'subscription' || !rootType) return null;
  // @skip/@include depend on the variables: such a document is executed as usual.
  let directives = false;
  visit(document, {
    Directive() {
      directives = true;
      return BREAK;
    },
  });
  if (directives) return null;
  const fragments: Record<string, FragmentDefinitionNode> = Object.create(null);
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  const rootFields = collectFields(schema, fragments, {}, rootType, operation.selectionSet);
  if (rootFields.size !== 1) return null;
  const [responseKey, fieldNodes] = [...rootFields][0]!;
  const fieldName = fieldNodes[0]!.name.value;
  const field = rootType.getFields()[fieldName];
  if (!field || !options.identityRootFields.has(fieldName)) return null;

  const compile = (type: GraphQLOutputType, nodes: readonly FieldNode[]): Complete | null => {
    if (isNonNullType(type)) {
      const inner = compile(type.ofType, nodes);
      if (!inner) return null;
      return (v) => {
        if (v === null || v === undefined) throw NOT_PLAIN;
        return inner(v);
      };
    }
    const orNull =
      (complete: Complete): Complete =>
      (v) => {
        if (v === null || v === undefined) return null;
        if (v instanceof Error) throw NOT_PLAIN;
        return complete(v);
      };
    if (isListType(type)) {
      const item = compile(type.ofType, nodes);
      if (!item) return null;
      return orNull((v) => {
        if (!Array.isArray(v)) throw NOT_PLAIN;
        return v.map(item);
      });
    }
    if (isLeafType(type)) {
      return orNull((v) => {
        let out: unknown;
        try {
          out = type.serialize(v);
        } catch {
          throw NOT_PLAIN;
        }
        if (out === undefined) throw NOT_PLAIN;
        return out;
      });
    }
    if (isObjectType(type)) {
      const build = compileObject(type, nodes);
      return build && orNull(build);
    }
    return null;
  };

  const compileObject = (type: GraphQLObjectType, nodes: readonly FieldNode[]): Complete | null => {
    if (!options.plainTypes.has(type.name) || type.isTypeOf) return null;
    const entries: Array<{ key: string; prop: string; complete: Complete | null }> = [];
    for (const [key, sub] of collectSubfields(schema, fragments, {}, type, nodes)) {
      const name = sub[0]!.name.value;
      if (name === '__typename') {
        entries.push({ key, prop: name, complete: null });
        continue;
      }
      const f = type.getFields()[name];
      if (!f || f.args.length) return null;
      const complete = compile(f.type, sub);
      if (!complete) return null;
      entries.push({ key, prop: name, complete });
    }
    const typename = type.name;
    return (v) => {
      if (typeof v !== 'object') throw NOT_PLAIN;
      const source = v as Record<string, unknown>;
      const out: Record<string, unknown> = Object.create(null);
      for (const e of entries) {
        if (!e.complete) {
          out[e.key] = typename;
          continue;
        }
        const value = source[e.prop];
        if (typeof value === 'function') throw NOT_PLAIN;
        out[e.key] = e.complete(value);
      }
      return out;
    };
  };

  // The root field's type: an object type, or a union/interface of plain object types (resolved per event).
  // A null event (null is what graphql-js would send for a nullable field) is executed as usual.
  const eventType = isNonNullType(field.type) ? field.type.ofType : field.type;
  if (isObjectType(eventType)) {
    const build = compileObject(eventType, fieldNodes);
    if (!build) return null;
    return async (event) => {
      if (event === null || event === undefined || event instanceof Error) throw NOT_PLAIN;
      const data: Record<string, unknown> = Object.create(null);
      data[responseKey] = build(event);
      return data;
    };
  }
  if (!isAbstractType(eventType)) return null;
  const abstract: GraphQLAbstractType = eventType;
  const byType = new Map<string, Complete>();
  for (const t of schema.getPossibleTypes(abstract)) {
    const build = compileObject(t, fieldNodes);
    if (!build) return null;
    byType.set(t.name, build);
  }
  const resolveType = abstract.resolveType;
  if (!resolveType) return null;
  // What graphql-js hands resolveType, but for the per-event path and root value (no resolver of these types reads them).
  const info = {
    fieldName,
    fieldNodes,
    returnType: field.type,
    parentType: rootType,
    path: { prev: undefined, key: responseKey, typename: rootType.name },
    schema,
    fragments,
    rootValue: undefined,
    operation,
    variableValues: {},
  } as unknown as GraphQLResolveInfo;
  return async (event, contextValue) => {
    if (event === null || event === undefined || typeof event !== 'object' || event instanceof Error) throw NOT_PLAIN;
    let name: unknown;
    try {
      name = await resolveType(event, contextValue, info, abstract);
    } catch {
      throw NOT_PLAIN;
    }
    const build = typeof name === 'string' ? byType.get(name) : undefined;
    if (!build) throw NOT_PLAIN;
    const data: Record<string, unknown> = Object.create(null);
    data[responseKey] = build(event);
    return data;
  };
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof (v as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';
}

/**
 * graphql-js's own mapAsyncIterator: `return()` reaches the source at once (a client's complete stops
 * the model call even while no event is coming), and a mapping that throws closes the source.
 */
function mapAsyncIterator<T, U>(iterable: AsyncIterable<T>, fn: (value: T) => U | Promise<U>): AsyncGenerator<U, void, void> {
  const iterator = iterable[Symbol.asyncIterator]();
  async function mapResult(result: IteratorResult<T>): Promise<IteratorResult<U, void>> {
    if (result.done) return { value: undefined, done: true };
    try {
      return { value: await fn(result.value), done: false };
    } catch (err) {
      if (typeof iterator.return === 'function') {
        try {
          await iterator.return();
        } catch {
          // the mapping's error is the one to report
        }
      }
      throw err;
    }
  }
  return {
    async next() {
      return mapResult(await iterator.next());
    },
    async return(): Promise<IteratorResult<U, void>> {
      return typeof iterator.return === 'function' ? mapResult(await iterator.return()) : { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      if (typeof iterator.throw === 'function') return mapResult(await iterator.throw(error));
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  } as AsyncGenerator<U, void, void>;
}
