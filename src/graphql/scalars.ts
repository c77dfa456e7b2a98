import { DateTimeResolver, GraphQLJSON } from 'graphql-scalars';
import { GraphQLError, GraphQLScalarType, type ValueNode } from 'graphql';

/**
 * The dates every store (PostgreSQL, JavaScript, ISO-8601 text) agrees on: years 0001 to 9998 (the
 * time bucket after a date, up to a month later, must still be a four-digit year).
 */
const EARLIEST = new Date('0001-01-01T00:00:00.000Z').getTime();
const LATEST = new Date('9999-12-31T23:59:59.999Z').getTime();

function inRange(d: Date): Date {
  const t = d.getTime();
  if (Number.isNaN(t) || t < EARLIEST || t > LATEST) throw new GraphQLError('DateTime must be between 0001-01-01 and 9999-12-31');
  return d;
}

/** graphql-scalars' `DateTime`, refusing dates outside years 0001..9999 as bad input (year 0000 cannot be stored). */
const DateTime = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  parseValue: (value: unknown) => inRange(DateTimeResolver.parseValue(value) as Date),
  parseLiteral: (ast: ValueNode, variables?: Record<string, unknown> | null) => inRange(DateTimeResolver.parseLiteral(ast, variables) as Date),
});

/** `DateTime` (ISO-8601) for every Date field; `JSON` is used explicitly where the contract says so. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- the type type-graphql's scalarsMap takes
export const scalarsMap: Array<{ type: Function; scalar: GraphQLScalarType }> = [{ type: Date, scalar: DateTime }];
export { GraphQLJSON };
