/** Drift: whether traffic in a window drifted from a baseline range, signal by signal. */
export { DriftService, validateRanges, DRIFT_SAMPLE, TOPIC_SAMPLE, type InputEmbedder, type DriftServiceOptions, type DriftRange } from './drift.service';
export { DriftReport, DriftFeature, TimeRangeInput } from './drift.types';
export { driftModule } from './drift.module';
export { DriftInputEmbedding } from './input-embedding.entity';
