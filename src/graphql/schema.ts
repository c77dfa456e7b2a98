import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { authChecker } from './auth-checker';
import { resolvers } from './resolvers';
import { scalarsMap } from './scalars';

let built: Promise<GraphQLSchema> | undefined;

/** Builds the schema from the resolver classes. Never touches the database. */
export function buildAppSchema(): Promise<GraphQLSchema> {
  return (built ??= buildSchema({
    resolvers,
    authChecker,
    scalarsMap,
    validate: false,
    emitSchemaFile: false,
  }));
}

/** The SDL as committed in `schema/schema.graphql`: sorted, so diffs are stable. */
export function printSortedSchema(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
