import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { QueryFailedError } from 'typeorm';
import { withoutSuggestions } from './suggestions';
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from '../db/unavailable';

/** Every `extensions.code` this API can answer with. */
export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'SERVICE_UNAVAILABLE' | 'INTERNAL_SERVER_ERROR';

/** An exceptional failure with a code that reaches the client as `extensions.code`. */
export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  readonly extra: Record<string, unknown> = {};
}
export class UnauthenticatedError extends AppError {
  readonly code = 'UNAUTHENTICATED' as const;
  constructor(message = 'a valid API key is required (Authorization: Bearer <key>)') {
    super(message);
  }
}
export class ForbiddenError extends AppError {
  readonly code = 'FORBIDDEN' as const;
}
/** Bad input; `field` names the offending input path, e.g. `input.condition.minInputTokens`. */
export class BadUserInputError extends AppError {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(field ? `${field}: ${message}` : message);
    this.extra.field = field;
  }
}
export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND' as const;
  constructor(
    readonly entity: string,
    readonly key: string,
  ) {
    super(`${entity} "${key}" not found`);
  }
}
export class ConflictError extends AppError {
  readonly code = 'CONFLICT' as const;
}
/** A dependency (the database) is unreachable for now: retry after `retryAfterSeconds`. */
export class ServiceUnavailableError extends AppError {
  readonly code = 'SERVICE_UNAVAILABLE' as const;
  constructor(message = `the database is unavailable; retry in ${RETRY_AFTER_SECONDS} s`) {
    super(message);
    this.extra.retryAfterSeconds = RETRY_AFTER_SECONDS;
  }
}

const PG_UNIQUE_VIOLATION = '23505';
const PG_INVALID_TEXT = '22P02';
/** PostgreSQL text and jsonb cannot hold U+0000: 22021 (text) and 22P05 (jsonb). */
const PG_NUL_IN_TEXT = new Set(['22021', '22P05']);

/**
 * Maps any error to the client shape, once, for HTTP and WebSocket alike. Unknown errors are
 * masked as INTERNAL_SERVER_ERROR; bad input never is.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, log?: (err: unknown) => void): GraphQLFormattedError {
  let original = unwrapResolverError(error);
  if (!(original instanceof AppError) && isDatabaseUnavailable(original)) original = new ServiceUnavailableError();
  if (original instanceof AppError) {
    return { ...formatted, message: original.message, extensions: { ...formatted.extensions, ...original.extra, code: original.code } };
  }
  if (original instanceof QueryFailedError) {
    const code = (original as QueryFailedError & { code?: string }).code;
    if (code === PG_UNIQUE_VIOLATION) {
      return { ...formatted, message: 'a record with that name already exists', extensions: { code: 'CONFLICT' } };
    }
    if (code === PG_INVALID_TEXT) {
      return { ...formatted, message: 'malformed identifier', extensions: { code: 'BAD_USER_INPUT' } };
    }
    if (code && PG_NUL_IN_TEXT.has(code)) {
      return { ...formatted, message: 'text must not contain the NUL character (U+0000)', extensions: { code: 'BAD_USER_INPUT' } };
    }
  }
  let code = formatted.extensions?.code;
  // graphql-js stops coercing variables after 50 errors with an error of its own: still the client's input.
  if (!formatted.path && /^Too many errors processing variables/.test(formatted.message)) code = 'BAD_USER_INPUT';
  // GraphQL validation and variable-coercion errors are the client's: keep them as input errors.
  if (code === 'GRAPHQL_VALIDATION_FAILED' || code === 'BAD_USER_INPUT' || code === 'GRAPHQL_PARSE_FAILED') {
    // Suggestions ("Did you mean budgets?") would spell out the schema to whoever probes it.
    return { ...formatted, message: withoutSuggestions(formatted.message), extensions: { ...formatted.extensions, code } };
  }
  if (code && code !== 'INTERNAL_SERVER_ERROR') return formatted;
  log?.(original);
  return { message: 'internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** For graphql-ws, which formats GraphQLErrors itself. */
export function toGraphQLError(err: GraphQLError, log?: (err: unknown) => void): GraphQLError {
  const f = formatError(err.toJSON(), err, log);
  return new GraphQLError(f.message, { nodes: err.nodes, path: err.path, originalError: err.originalError, extensions: f.extensions });
}
