import 'reflect-metadata';
import { GraphQLEnumType, GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { authChecker } from './auth-checker';
import { createLocalPubSub } from './pubsub';
import { scalarsMap } from './scalars';
import { applySchemaDescriptions } from './schema-descriptions';

export interface BuildSchemaOptions {
  /** The resolver classes (every feature's: `src/schema.ts` passes them). */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- the type type-graphql accepts
  resolvers: Function[];
  /** Enums listed in the schema for reference although no field uses them (their values travel as String). */
  referenceEnums?: readonly ReferenceEnum[];
  /**
   * Where `@Subscription({ topics })` resolvers subscribe; the app passes its own (relayed across
   * processes on PostgreSQL). Default: one in-process PubSub, enough for printing the schema.
   */
  pubSub?: PubSub;
}

/** An enum the schema lists for reference: e.g. the values of a String field kept a String by the API contract. */
export interface ReferenceEnum {
  name: string;
  description: string;
  values: Readonly<Record<string, string>>;
}

// The PubSub is baked into the schema's subscribe functions, so there is one schema per PubSub.
const built = new WeakMap<PubSub, Promise<GraphQLSchema>>();
let defaultPubSub: PubSub | undefined;

/** Builds the schema from the resolver classes (once per PubSub). Never touches the database. */
export function buildGraphQLSchema(opts: BuildSchemaOptions): Promise<GraphQLSchema> {
  const pubSub = opts.pubSub ?? (defaultPubSub ??= createLocalPubSub());
  let schema = built.get(pubSub);
  if (!schema) {
    const [first, ...rest] = opts.resolvers;
    if (!first) throw new Error('the schema needs at least one resolver');
    schema = buildSchema({
      resolvers: [first, ...rest],
      authChecker,
      scalarsMap,
      pubSub,
      validate: false,
      emitSchemaFile: false,
    }).then((s) => {
      const withEnums = withReferenceEnums(s, opts.referenceEnums ?? []);
      applySchemaDescriptions(withEnums);
      return withEnums;
    });
    built.set(pubSub, schema);
  }
  return schema;
}

function withReferenceEnums(schema: GraphQLSchema, enums: readonly ReferenceEnum[]): GraphQLSchema {
  if (!enums.length) return schema;
  const config = schema.toConfig();
  const extra = enums.map((e) => new GraphQLEnumType({ name: e.name, description: e.description, values: Object.fromEntries(Object.values(e.values).map((v) => [v, { value: v }])) }));
  return new GraphQLSchema({ ...config, types: [...config.types, ...extra] });
}

/** The SDL as committed in `schema/schema.graphql`: sorted, so diffs are stable. */
export function printSortedSchema(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
