import { performance } from 'node:perf_hooks';
import { getOperationAST, Kind, type DocumentNode } from 'graphql';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { OperationTelemetry } from '../observability/trace-context';

/** What one finished GraphQL operation left for the log and the metrics. */
export interface FinishedOperation {
  transport: 'http' | 'ws';
  telemetry: OperationTelemetry;
  /** query, mutation, subscription, or `unknown` when the document did not parse or name an operation. */
  operationType: string;
  /** See `boundedOperationName`. */
  operationName: string;
  /** The caller's API key role, or null when not authenticated. */
  role: string | null;
  startedAt: number;
  /** The first error's `extensions.code`, or null when none. */
  errorCode: string | null;
}

/**
 * A name for an operation that cannot grow without bound: its root field (`generate`, `traces`,
 * `__schema`) when it selects one, `multiple` when it selects several, `unknown` when the document
 * has no usable operation. The client's own operation name is free text and is not used.
 */
export function boundedOperationName(document: DocumentNode | null | undefined, operationName?: string | null): { type: string; name: string } {
  if (!document) return { type: 'unknown', name: 'unknown' };
  let op;
  try {
    op = getOperationAST(document, operationName ?? undefined);
  } catch {
    op = null;
  }
  if (!op) return { type: 'unknown', name: 'unknown' };
  const fields = new Set<string>();
  for (const s of op.selectionSet.selections) {
    if (s.kind === Kind.FIELD) fields.add(s.name.value);
    else fields.add('fragment');
  }
  fields.delete('__typename');
  const name = fields.size === 1 ? [...fields][0]! : fields.size === 0 ? '__typename' : 'multiple';
  return { type: op.operation, name: name === 'fragment' ? 'multiple' : name };
}

/** The `extensions.code` of the first error that has one. */
export function firstErrorCode(errors: ReadonlyArray<{ extensions?: Record<string, unknown> | null }> | null | undefined): string | null {
  for (const e of errors ?? []) {
    const code = e.extensions?.code;
    if (typeof code === 'string') return code.slice(0, 64);
  }
  return errors?.length ? 'UNKNOWN' : null;
}

/**
 * One log line and the operation metrics per GraphQL operation, HTTP and graphql-ws alike: request
 * id, trace id, type, bounded name, role, duration, outcome and error code. Never variables, prompt
 * text or secrets.
 */
export function createOperationLog(logger: Logger, metrics: Metrics) {
  return {
    finish(op: FinishedOperation): void {
      const seconds = (performance.now() - op.startedAt) / 1000;
      const outcome = op.errorCode ? 'error' : 'ok';
      const labels = { transport: op.transport, operation_type: op.operationType, operation_name: op.operationName };
      metrics.graphqlOperations.inc({ ...labels, outcome, error_code: op.errorCode ?? '' });
      metrics.graphqlDuration.observe(labels, seconds);
      logger.info(
        {
          requestId: op.telemetry.requestId,
          traceId: op.telemetry.traceId,
          transport: op.transport,
          operationType: op.operationType,
          operationName: op.operationName,
          role: op.role,
          durationMs: Math.round(seconds * 1e6) / 1000,
          outcome,
          errorCode: op.errorCode,
        },
        'graphql operation',
      );
    },
  };
}
export type OperationLog = ReturnType<typeof createOperationLog>;
