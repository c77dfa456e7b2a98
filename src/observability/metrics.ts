import { Registry, collectDefaultMetrics, Counter, Histogram } from 'prom-client';

/** Prometheus metrics, served at /metrics. One registry per app, so tests can run several apps in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    graphqlOperations: new Counter({
      name: 'graphql_operations_total',
      help: 'GraphQL operations by name, type and outcome',
      labelNames: ['operation', 'type', 'outcome'],
      registers: [registry],
    }),
    generationDuration: new Histogram({
      name: 'generation_duration_seconds',
      help: 'Whole generation time by model and status',
      labelNames: ['model', 'status'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
    timeToFirstToken: new Histogram({
      name: 'generation_ttft_seconds',
      help: 'Time to first token by model',
      labelNames: ['model'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
