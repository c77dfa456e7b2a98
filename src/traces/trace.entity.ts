import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { GenerationStatus, TraceSource, microsToUsd, Span, StageCost, Usage } from './trace.types';
import type { StoredAssembledPrompt, StoredGuardrailEvent, StoredSpan, StoredTraceRequest } from './trace-record';

const bigint = { type: 'bigint' as const };

/**
 * One generation, written once by the trace writer and never updated.
 *
 * Indexes serve the analytics filters: time ranges (`created_at, id`, also the keyset paging order),
 * and equality on prompt / model / API key / user combined with a time range. Tags overlap uses a
 * GIN index, created by the migration (TypeORM cannot declare GIN, so it is marked unsynchronized).
 * The dimension indexes and the tag index are partial (a row without the value is never found through
 * them) and the btrees ending in the creation time skip deduplication (migration 1797024000001, which
 * TypeORM's schema diff does not see).
 * Money is integer micro-USD (`bigint`, read back as strings); usage and stage cost columns are
 * null when no model call happened.
 */
@ObjectType('Trace')
@Entity('traces')
@Index('ix_traces_created_at_id', ['createdAt', 'id'])
@Index('ix_traces_prompt_created_at', ['prompt', 'createdAt'], { where: '"prompt" IS NOT NULL' })
@Index('ix_traces_model_id_created_at', ['modelId', 'createdAt'], { where: '"model_id" IS NOT NULL' })
@Index('ix_traces_api_key_created_at', ['apiKey', 'createdAt'], { where: '"api_key" IS NOT NULL' })
@Index('ix_traces_user_created_at', ['user', 'createdAt'], { where: '"user" IS NOT NULL' })
@Index('ix_traces_eval_run_id', ['evalRunId'], { where: '"eval_run_id" IS NOT NULL' })
@Index('ix_traces_otel_trace_id', ['otelTraceId'], { where: '"otel_trace_id" IS NOT NULL' })
export class Trace {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id!: string;

  /** Part of the primary key (id, created_at): the table is partitioned by week on it (README "Traces"). */
  @Field()
  @PrimaryColumn('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Field(() => String, {
    nullable: true,
    description:
      "W3C trace id (32 hex digits) of the GraphQL operation that ran the generation: the caller's `traceparent` trace, or a new one. The same id is in the response `extensions.traceId`, the operation's log line and the exported OpenTelemetry spans.",
  })
  @Column('text', { name: 'otel_trace_id', nullable: true })
  otelTraceId!: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  prompt!: string | null;

  @Field(() => Int, { nullable: true })
  @Column('int', { name: 'prompt_version', nullable: true })
  promptVersion!: number | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  label!: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'model_id', nullable: true })
  modelId!: string | null;

  @Field(() => String, { nullable: true, description: 'The routing rule that chose the model, or null.' })
  @Column('text', { name: 'routed_by', nullable: true })
  routedBy!: string | null;

  @Field(() => String, { nullable: true, description: 'The routing rule counted by the ROUTE_RULE dimension.' })
  @Column('text', { name: 'route_rule', nullable: true })
  routeRule!: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  user!: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'session_id', nullable: true })
  sessionId!: string | null;

  @Field(() => String, { nullable: true, description: 'The name of the API key that made the request.' })
  @Column('text', { name: 'api_key', nullable: true })
  apiKey!: string | null;

  @Field(() => TraceSource, { description: 'PRODUCTION or EVAL; the analytics queries count PRODUCTION unless the filter says otherwise.' })
  @Column('text', { default: TraceSource.PRODUCTION })
  source!: TraceSource;

  @Field(() => ID, { nullable: true, description: 'The eval run this generation was a case of.' })
  @Column('uuid', { name: 'eval_run_id', nullable: true })
  evalRunId!: string | null;

  @Field(() => [String])
  @Index('ix_traces_tags', { synchronize: false })
  @Column('text', { array: true, default: () => "'{}'" })
  tags!: string[];

  @Field(() => GenerationStatus)
  @Column('text')
  status!: GenerationStatus;

  @Field(() => String, { nullable: true, description: 'GenerationFailed.code when the generation did not complete.' })
  @Column('text', { name: 'error_code', nullable: true })
  errorCode!: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'stop_reason', nullable: true })
  stopReason!: string | null;

  @Field()
  @Column('boolean', { default: false })
  cached!: boolean;

  @Field(() => GraphQLJSON, { description: 'The GenerateInput as the client sent it.' })
  @Column('jsonb')
  request!: StoredTraceRequest;

  @Field(() => GraphQLJSON, { description: 'What was sent to the model (system, messages); {} when nothing was.' })
  @Column('jsonb', { name: 'assembled_prompt' })
  assembledPrompt!: StoredAssembledPrompt | Record<string, never>;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  output!: string | null;

  @Column('int', { name: 'input_tokens', nullable: true })
  inputTokens!: number | null;

  @Column('int', { name: 'output_tokens', nullable: true })
  outputTokens!: number | null;

  @Column('int', { name: 'cache_read_tokens', nullable: true })
  cacheReadTokens!: number | null;

  @Column('int', { name: 'cache_write_tokens', nullable: true })
  cacheWriteTokens!: number | null;

  @Column('int', { name: 'stage_system_tokens', nullable: true })
  stageSystemTokens!: number | null;

  @Column('int', { name: 'stage_context_tokens', nullable: true })
  stageContextTokens!: number | null;

  @Column('int', { name: 'stage_history_tokens', nullable: true })
  stageHistoryTokens!: number | null;

  @Column('int', { name: 'stage_input_tokens', nullable: true })
  stageInputTokens!: number | null;

  @Column('int', { name: 'stage_output_tokens', nullable: true })
  stageOutputTokens!: number | null;

  @Column({ ...bigint, name: 'cost_micros', default: 0 })
  costMicros!: string;

  @Column({ ...bigint, name: 'cost_system_micros', nullable: true })
  costSystemMicros!: string | null;

  @Column({ ...bigint, name: 'cost_context_micros', nullable: true })
  costContextMicros!: string | null;

  @Column({ ...bigint, name: 'cost_history_micros', nullable: true })
  costHistoryMicros!: string | null;

  @Column({ ...bigint, name: 'cost_input_micros', nullable: true })
  costInputMicros!: string | null;

  @Column({ ...bigint, name: 'cost_output_micros', nullable: true })
  costOutputMicros!: string | null;

  @Column({ ...bigint, name: 'cost_cache_read_micros', nullable: true })
  costCacheReadMicros!: string | null;

  @Column({ ...bigint, name: 'cost_cache_write_micros', nullable: true })
  costCacheWriteMicros!: string | null;

  /** On a cache hit, what the cached answer cost to generate: the money the hit saved. */
  @Column({ ...bigint, name: 'saved_micros', default: 0 })
  savedMicros!: string;

  @Field(() => Float, { nullable: true })
  @Column('double precision', { name: 'latency_ms', nullable: true })
  latencyMs!: number | null;

  @Field(() => Float, { nullable: true })
  @Column('double precision', { name: 'ttft_ms', nullable: true })
  ttftMs!: number | null;

  @Field(() => GraphQLJSON, { description: 'Every GuardrailIntervened of the request: { direction action policy findings }.' })
  // Partial index of the traces with a guardrail event (created by a migration; the alert scheduler counts them).
  @Index('ix_traces_guardrail_triggered', { synchronize: false })
  @Column('jsonb', { name: 'guardrail_events', default: () => "'[]'" })
  guardrailEvents!: StoredGuardrailEvent[];

  @Column('jsonb', { name: 'spans', default: () => "'[]'" })
  spanData!: StoredSpan[];

  @Field(() => Usage, { nullable: true })
  get usage(): Usage | null {
    if (this.inputTokens === null || this.inputTokens === undefined) return null;
    return Usage.from({
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens ?? 0,
      cacheReadTokens: this.cacheReadTokens ?? 0,
      cacheWriteTokens: this.cacheWriteTokens ?? 0,
      byStage: {
        system: this.stageSystemTokens ?? 0,
        context: this.stageContextTokens ?? 0,
        history: this.stageHistoryTokens ?? 0,
        input: this.stageInputTokens ?? 0,
        output: this.stageOutputTokens ?? 0,
      },
    });
  }

  @Field(() => Float, { description: 'USD, from exact micro-USD.' })
  get costUsd(): number {
    return microsToUsd(this.costMicros);
  }

  @Field(() => StageCost, { nullable: true })
  get costByStage(): StageCost | null {
    if (this.costSystemMicros === null || this.costSystemMicros === undefined) return null;
    return StageCost.fromMicros({
      system: this.costSystemMicros,
      context: this.costContextMicros ?? 0,
      history: this.costHistoryMicros ?? 0,
      input: this.costInputMicros ?? 0,
      output: this.costOutputMicros ?? 0,
      cacheRead: this.costCacheReadMicros ?? 0,
      cacheWrite: this.costCacheWriteMicros ?? 0,
    });
  }

  @Field(() => Float, { description: 'On a cache hit: what the cached answer cost to generate (USD).' })
  get savedUsd(): number {
    return microsToUsd(this.savedMicros);
  }

  @Field(() => [Span])
  get spans(): Span[] {
    return (this.spanData ?? []).map((s) => Object.assign(new Span(), { name: s.name, startedAt: new Date(s.startedAt), durationMs: s.durationMs, attributes: s.attributes ?? null }));
  }
}
