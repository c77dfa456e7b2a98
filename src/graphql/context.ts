import type { ApiRole } from './roles';
import { operationTelemetry, type OperationTelemetry } from '../observability/trace-context';

/** The authenticated API key as the request layer sees it (the auth feature's `ApiKey` is one). */
export interface Principal {
  id: string;
  name: string;
  role: ApiRole;
}

/**
 * What every resolver gets: who is calling, and services. Each resolver names the services it
 * uses (`RequestContext<{ budgets: BudgetService }>`); the composition root passes all of them.
 */
export interface RequestContext<S = unknown> {
  /** The authenticated key, or null when none or a bad one was sent. */
  apiKey: Principal | null;
  /** The name recorded in audit entries and traces. */
  actor: string;
  services: S;
  /** Aborted when the client goes away (HTTP request closed, subscription completed). */
  signal?: AbortSignal;
  /** Request id and W3C trace context of this operation (the caller's `traceparent`, or a new trace). */
  telemetry: OperationTelemetry;
  /** The client's address (the socket's peer), when the transport knows it. */
  remoteAddress?: string;
  /**
   * `performance.now()` when the operation arrived (HTTP: before its body was read; WebSocket: its
   * subscribe message): a generation's trace times what came before the pipeline from it
   * (the `graphql_request` span).
   */
  receivedAt?: number;
  /**
   * Called by the auth checker just before it refuses an operation (no key, bad key, wrong role);
   * returns the id of the trace it wrote, if any, which the error then names (`extensions.traceId`).
   */
  onAuthRefused?: (refusal: AuthRefusal) => string | null;
}

/** An operation the auth checker refuses, as `RequestContext.onAuthRefused` gets it. */
export interface AuthRefusal {
  /** `Type.field`, e.g. `Mutation.generateOnce`. */
  field: string;
  /** The field's arguments as coerced. */
  args: Record<string, unknown>;
  code: 'UNAUTHENTICATED' | 'FORBIDDEN';
  message: string;
  /** The key, when one was valid but its role may not use the field. */
  apiKey: Principal | null;
  remoteAddress: string | null;
}

/** Turns a secret into its key, or null for an unknown or revoked one. */
export type Authenticate = (secret: string) => Promise<Principal | null>;

/** Reads `Bearer <secret>` from an Authorization header or a graphql-ws connection_init payload. */
export function bearerSecret(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

export async function buildContext<S>(
  services: S,
  authenticate: Authenticate,
  authorization: unknown,
  signal?: AbortSignal,
  telemetry: OperationTelemetry = operationTelemetry({}),
  extra: Pick<RequestContext, 'remoteAddress' | 'onAuthRefused' | 'receivedAt'> = {},
): Promise<RequestContext<S>> {
  const secret = bearerSecret(authorization);
  const apiKey = secret ? await authenticate(secret) : null;
  return { apiKey, actor: apiKey?.name ?? 'anonymous', services, signal, telemetry, ...extra };
}
