import { BadUserInputError } from '../../graphql/errors';
import { TraceSource } from '../trace.types';
import type { TraceFilterData } from '../trace-filter.inputs';
import { dateTimeSeconds, literal } from './clickhouse-trace-store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `toDateTime(seconds)` of an instant, clamped to DateTime's range (1970 to 2106): the API's DateTime goes from year 1 to 9999. */
export function clickHouseSeconds(ms: number): string {
  return `toDateTime(${dateTimeSeconds(ms)})`;
}

/** `created_ms` bounds, plus the same bounds on the sort key `created_at` (seconds) so ClickHouse skips granules. */
export function clickHouseTimeConditions(from: Date | null | undefined, to: Date | null | undefined): string[] {
  const out: string[] = [];
  if (from) out.push(`created_at >= ${clickHouseSeconds(from.getTime())}`, `created_ms >= ${from.getTime()}`);
  if (to) out.push(`created_at <= ${clickHouseSeconds(to.getTime())}`, `created_ms < ${to.getTime()}`);
  return out;
}

/**
 * The ClickHouse twin of `traceFilterConditions`: the same filter as conditions over the ClickHouse
 * `traces` columns, with the same meaning (an unset source counts production traffic only, unless
 * `defaultSource` is null or an eval run is named). Throws BAD_USER_INPUT as the PostgreSQL one does.
 */
export function clickHouseFilterConditions(filter: TraceFilterData | null | undefined, field = 'filter', defaultSource: TraceSource | null = TraceSource.PRODUCTION): string[] {
  const f = filter ?? {};
  if (f.from && f.to && f.from.getTime() > f.to.getTime()) throw new BadUserInputError(`${field}.from`, 'must not be after `to`');
  const out = clickHouseTimeConditions(f.from, f.to);
  const eq = (col: string, v: unknown) => out.push(`${col} = ${literal(v)}`);
  if (f.prompt != null) eq('prompt', f.prompt);
  if (f.label != null) eq('label', f.label);
  if (f.modelId != null) eq('model_id', f.modelId);
  if (f.user != null) eq('user', f.user);
  if (f.apiKey != null) eq('api_key', f.apiKey);
  if (f.status != null) eq('status', f.status);
  if (f.cached != null) eq('cached', f.cached ? 1 : 0);
  if (f.otelTraceId != null) eq('otel_trace_id', f.otelTraceId.toLowerCase());
  if (f.tags?.length) out.push(`hasAny(tags, ${literal(f.tags.map(String))})`);
  const source = f.source ?? (f.evalRun != null ? null : defaultSource);
  if (source != null) eq('source', source);
  if (f.evalRun != null) {
    if (!UUID.test(f.evalRun)) throw new BadUserInputError(`${field}.evalRun`, 'must be an eval run id (uuid)');
    eq('eval_run_id', f.evalRun.toLowerCase());
  }
  return out;
}
