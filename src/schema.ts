import type { GraphQLSchema } from 'graphql';
import type { PubSub } from 'type-graphql';
import { referenceEnums, resolvers } from './features';
import { buildGraphQLSchema } from './graphql/schema';

export { printSortedSchema } from './graphql/schema';

/** The API's schema: every feature's resolvers (`src/features.ts`). Never touches the database. */
export function buildAppSchema(opts: { pubSub?: PubSub } = {}): Promise<GraphQLSchema> {
  return buildGraphQLSchema({ resolvers, referenceEnums, pubSub: opts.pubSub });
}
