/**
 * Errors that mean "the database cannot be reached right now" (down, restarting, refusing
 * connections), not "this query is wrong": the caller should retry, and the client is told so
 * (`SERVICE_UNAVAILABLE` with a retry hint) instead of INTERNAL_SERVER_ERROR.
 */
const UNAVAILABLE_SQLSTATES = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '08P01', // connection exceptions
  '57P01',
  '57P02',
  '57P03', // admin / crash shutdown, cannot connect now (starting up)
  '53300', // too many connections
]);
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Connection is not established/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /terminating connection due to administrator command/i,
  /connect ECONNREFUSED/i,
  /Cannot use a pool after calling end on the pool/i,
  // TypeORM releases a query runner when its connection emits 'error' (the server ended it): the
  // next statement of that transaction fails with one of these, not with a connection error.
  /Query runner already released/i,
  /connection provided by a query runner was already released/i,
];

/** Seconds a client should wait before retrying while the database is unavailable. */
export const RETRY_AFTER_SECONDS = 5;

/** True when `err` (or what it wraps: driverError, cause, originalError, thrownValue) says the database is unreachable. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; originalError?: unknown; thrownValue?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATES.has(e.code) || UNAVAILABLE_ERRNOS.has(e.code))) return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(e.message as string))) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isDatabaseUnavailable(x, depth + 1))) return true;
  // graphql-js wraps a thrown non-Error (pg throws plain objects) as NonErrorThrown { thrownValue }.
  return [e.driverError, e.cause, e.originalError, e.thrownValue].some((x) => x !== err && isDatabaseUnavailable(x, depth + 1));
}
