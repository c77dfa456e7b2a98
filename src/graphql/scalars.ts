import { DateTimeResolver, GraphQLJSON } from 'graphql-scalars';
import type { GraphQLScalarType } from 'graphql';

/** `DateTime` (ISO-8601) for every Date field; `JSON` is used explicitly where the contract says so. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- the type type-graphql's scalarsMap takes
export const scalarsMap: Array<{ type: Function; scalar: GraphQLScalarType }> = [{ type: Date, scalar: DateTimeResolver }];
export { GraphQLJSON };
