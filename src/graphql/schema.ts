import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { authChecker } from './auth-checker';
import { createLocalPubSub } from './pubsub';
import { scalarsMap } from './scalars';

export interface BuildSchemaOptions {
  /** The resolver classes (every feature's: `src/schema.ts` passes them). */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- the type type-graphql accepts
  resolvers: Function[];
  /**
   * Where `@Subscription({ topics })` resolvers subscribe; the app passes its own (relayed across
   * processes on PostgreSQL). Default: one in-process PubSub, enough for printing the schema.
   */
  pubSub?: PubSub;
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
    });
    built.set(pubSub, schema);
  }
  return schema;
}

/** The SDL as committed in `schema/schema.graphql`: sorted, so diffs are stable. */
export function printSortedSchema(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
