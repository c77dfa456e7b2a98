/** Traces: one row per generation, written off the hot path, read by the API and by analytics. */
export { TraceService } from './trace.service';
export { TraceWriter, type TraceWriterOptions } from './trace-writer';
export { sanitizeForStorage, sanitizeString, DEFAULT_SANITIZE_LIMITS, type SanitizeLimits } from './trace-sanitize';
export { Trace } from './trace.entity';
export { TraceResolver, TraceConnection } from './trace.resolver';
export { TraceFilter, traceFilterConditions, SqlParams, type TraceFilterData } from './trace-filter.inputs';
export { GenerationStatus, TraceSource, Usage, StageTokens, StageCost, Span, microsToUsd, type UsageData, type StageTokensData, type StageCostMicrosData } from './trace.types';
export {
  validateTraceRecord,
  type TraceRecord,
  type TraceRequest,
  type AssembledPrompt,
  type AssembledContentPart,
  type GuardrailEventRecord,
  type GuardrailFindingRecord,
  type SpanRecord,
  type StoredSpan,
  type StoredTraceRequest,
  type StoredAssembledPrompt,
  type StoredGuardrailEvent,
  type ValidTraceRecord,
  traceRecordSchema,
  usageSchema,
  stageCostSchema,
} from './trace-record';
export { tracesModule } from './traces.module';
export { writeTraceBatch, writeTraceBatchCopy, writeTraceBatchInsert } from './trace-writer';
export { rebuildRollups } from './rollup-rebuild';
export { sketchKey, sketchValue, sketchQuantile, SKETCH_RELATIVE_ACCURACY, rollupDeltas, type SketchBins, type WrittenRecord } from './trace-rollups';
export * from './clickhouse';
export { maintainTracePartitions, TracePartitionMaintainer, type TracePartitionOptions, type PartitionMaintenance } from './trace-partitions';
