import { Field, ID, InputType } from 'type-graphql';
import { GenerationStatus, TraceSource } from './trace.types';
import { BadUserInputError } from '../graphql/errors';

/** Which traces a query covers; every field narrows (AND). Shared by `traces` and the analytics queries. */
@InputType()
export class TraceFilter {
  @Field(() => Date, { nullable: true, description: 'Inclusive lower bound of createdAt.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Exclusive upper bound of createdAt.' })
  to?: Date | null;

  @Field(() => String, { nullable: true })
  prompt?: string | null;

  @Field(() => String, { nullable: true })
  label?: string | null;

  @Field(() => String, { nullable: true })
  modelId?: string | null;

  @Field(() => String, { nullable: true })
  user?: string | null;

  @Field(() => String, { nullable: true, description: 'The API key name.' })
  apiKey?: string | null;

  @Field(() => GenerationStatus, { nullable: true })
  status?: GenerationStatus | null;

  @Field(() => [String], { nullable: true, description: 'Traces carrying ANY of these tags; an empty list does not filter.' })
  tags?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Only cache hits (true) or only model calls (false).' })
  cached?: boolean | null;

  @Field(() => TraceSource, {
    nullable: true,
    description: 'PRODUCTION or EVAL traffic. Unset: the analytics queries count PRODUCTION only; `traces` lists both.',
  })
  source?: TraceSource | null;

  @Field(() => ID, { nullable: true, description: 'Only the generations of this eval run.' })
  evalRun?: string | null;
  @Field(() => String, { nullable: true, description: 'The W3C trace id of the operation (see `Trace.otelTraceId`), to join a log line or a span with its trace.' })
  otelTraceId?: string | null;
}

/** The filter as plain data, e.g. from a service caller. */
export type TraceFilterData = Partial<TraceFilter>;

/**
 * Turns a filter into SQL conditions over the `traces` columns of `alias`. `param` registers a value
 * and returns its placeholder (`$3` for raw SQL, `:f3` for TypeORM), so one builder serves both.
 * Throws BAD_USER_INPUT (`<field>.from`) when `from` is after `to`.
 */
export function traceFilterConditions(
  filter: TraceFilterData | null | undefined,
  alias: string,
  param: (value: unknown) => string,
  field = 'filter',
  /** What an unset `source` means: analytics count production traffic only (the default); `traces` lists all. */
  defaultSource: TraceSource | null = TraceSource.PRODUCTION,
): string[] {
  const f = filter ?? {};
  const c = (col: string) => `${alias}.${col}`;
  if (f.from && f.to && f.from.getTime() > f.to.getTime()) throw new BadUserInputError(`${field}.from`, 'must not be after `to`');
  const out: string[] = [];
  if (f.from) out.push(`${c('created_at')} >= ${param(f.from)}`);
  if (f.to) out.push(`${c('created_at')} < ${param(f.to)}`);
  if (f.prompt != null) out.push(`${c('prompt')} = ${param(f.prompt)}`);
  if (f.label != null) out.push(`${c('label')} = ${param(f.label)}`);
  if (f.modelId != null) out.push(`${c('model_id')} = ${param(f.modelId)}`);
  if (f.user != null) out.push(`${c('"user"')} = ${param(f.user)}`);
  if (f.apiKey != null) out.push(`${c('api_key')} = ${param(f.apiKey)}`);
  if (f.status != null) out.push(`${c('status')} = ${param(f.status)}`);
  if (f.cached != null) out.push(`${c('cached')} = ${param(f.cached)}`);
  if (f.otelTraceId != null) out.push(`${c('otel_trace_id')} = ${param(f.otelTraceId.toLowerCase())}`);
  // `cardinality(tags) > 0` (implied by the overlap) is spelled out: it is the predicate of the partial GIN index ix_traces_tags.
  if (f.tags?.length) out.push(`cardinality(${c('tags')}) > 0 AND ${c('tags')} && ${param(f.tags)}::text[]`);
  const source = f.source ?? (f.evalRun != null ? null : defaultSource);
  if (source != null) out.push(`${c('source')} = ${param(source)}`);
  if (f.evalRun != null) {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(f.evalRun)) throw new BadUserInputError(`${field}.evalRun`, 'must be an eval run id (uuid)');
    out.push(`${c('eval_run_id')} = ${param(f.evalRun)}::uuid`);
  }
  return out;
}

/** A raw-SQL parameter list whose `add()` returns `$n`. */
export class SqlParams {
  readonly values: unknown[] = [];
  add = (value: unknown): string => {
    this.values.push(value);
    return `$${this.values.length}`;
  };
}
