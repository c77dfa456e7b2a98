import type { DataSource } from 'typeorm';
import { defineFeature } from '../core/feature-module';
import type { Logger } from '../observability/logger';
import { Trace } from './trace.entity';
import { TraceResolver } from './trace.resolver';
import { TraceService } from './trace.service';
import type { TraceWriterOptions } from './trace-writer';
import type { TracePartitionOptions } from './trace-partitions';

/** Traces: one row per generation, written off the hot path. */
export const tracesModule = defineFeature({
  entities: [Trace],
  resolvers: [TraceResolver],
  create: (deps: { db: DataSource; logger: Logger; writerOptions?: TraceWriterOptions; partitionOptions?: TracePartitionOptions }) =>
    new TraceService(deps.db, deps.logger, deps.writerOptions, deps.partitionOptions),
});
