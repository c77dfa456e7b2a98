import type { ApiKey } from '../auth/api-key.entity';
import type { Services } from '../services';

/** What every resolver gets: who is calling, and the services of the composition root. */
export interface RequestContext {
  /** The authenticated key, or null when none or a bad one was sent. */
  apiKey: ApiKey | null;
  /** The name recorded in audit entries and traces. */
  actor: string;
  services: Services;
  /** Aborted when the client goes away (HTTP request closed, subscription completed). */
  signal?: AbortSignal;
}

/** Reads `Bearer <secret>` from an Authorization header or a graphql-ws connection_init payload. */
export function bearerSecret(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

export async function buildContext(services: Services, authorization: unknown, signal?: AbortSignal): Promise<RequestContext> {
  const secret = bearerSecret(authorization);
  const apiKey = secret ? await services.apiKeys.authenticate(secret) : null;
  return { apiKey, actor: apiKey?.name ?? 'anonymous', services, signal };
}
