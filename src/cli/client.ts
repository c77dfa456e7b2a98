import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** A failure the CLI reports with exit code 2: no connection, or the server refused the request. */
export class ClientError extends Error {
  constructor(
    message: string,
    /** `extensions.code` of the first GraphQL error, when the server answered with one. */
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

interface GqlResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/**
 * A small typed GraphQL client: every operation is a `TypedDocumentNode` generated from the schema
 * (`generated/graphql.ts`), so results and variables are typed end to end.
 */
export class ControlPlaneClient {
  constructor(
    private readonly url: string,
    private readonly apiKey: string | null,
  ) {}

  /** A query or mutation over HTTP. */
  async request<R, V extends Record<string, unknown>>(doc: TypedDocumentNode<R, V>, variables: V): Promise<R> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) },
        body: JSON.stringify({ query: print(doc), variables }),
      });
    } catch (err) {
      throw new ClientError(`cannot reach ${this.url}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
    }
    let body: GqlResponse<R>;
    try {
      body = (await res.json()) as GqlResponse<R>;
    } catch {
      throw new ClientError(`${this.url} answered HTTP ${res.status} without a GraphQL response`);
    }
    if (body.errors?.length) {
      const e = body.errors[0]!;
      throw new ClientError(`${e.extensions?.code ?? 'ERROR'}: ${e.message}`, e.extensions?.code ?? null);
    }
    if (!body.data) throw new ClientError(`${this.url} answered HTTP ${res.status} without data`);
    return body.data;
  }

  /** A subscription over graphql-ws; `onNext` gets every event, the promise settles when it completes. */
  subscribe<R, V extends Record<string, unknown>>(doc: TypedDocumentNode<R, V>, variables: V, onNext: (data: R) => void): Promise<void> {
    const wsUrl = this.url.replace(/^http/, 'ws');
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {},
      retryAttempts: 0,
      lazy: true,
    });
    return new Promise<void>((resolve, reject) => {
      client.subscribe<R>(
        { query: print(doc), variables },
        {
          next: (r) => {
            if (r.errors?.length) {
              const e = r.errors[0] as { message: string; extensions?: { code?: string } };
              reject(new ClientError(`${e.extensions?.code ?? 'ERROR'}: ${e.message}`, e.extensions?.code ?? null));
            } else if (r.data) onNext(r.data as R);
          },
          error: (err) => reject(new ClientError(`subscription failed: ${err instanceof Error ? err.message : describeClose(err)}`)),
          complete: () => resolve(),
        },
      );
    }).finally(() => void client.dispose());
  }
}

function describeClose(err: unknown): string {
  const e = err as { code?: number; reason?: string; type?: string };
  if (typeof e?.code === 'number') return `socket closed (${e.code}${e.reason ? ` ${e.reason}` : ''})`;
  return e?.type === 'error' ? 'cannot connect' : JSON.stringify(err);
}
