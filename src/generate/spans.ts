import { performance } from 'node:perf_hooks';
import type { SpanRecord } from '../traces';

/** Records the spans of one request (API.md "Traces": routing, prompt_assembly, guardrail_input, ...). */
export class SpanRecorder {
  readonly spans: SpanRecord[] = [];
  private readonly origin = performance.now();
  private readonly originDate = Date.now();

  /** Times `fn` as a span named `name`; attributes may be filled in by `fn` through the object it gets. */
  async time<T>(name: string, fn: (attributes: Record<string, unknown>) => Promise<T> | T): Promise<T> {
    const start = performance.now();
    const attributes: Record<string, unknown> = {};
    try {
      return await fn(attributes);
    } finally {
      this.add(name, start, performance.now() - start, attributes);
    }
  }

  /** Starts a span that ends when the returned function is called (for spans around a stream). */
  open(name: string, attributes: Record<string, unknown> = {}): (more?: Record<string, unknown>) => void {
    const start = performance.now();
    let closed = false;
    return (more) => {
      if (closed) return;
      closed = true;
      this.add(name, start, performance.now() - start, { ...attributes, ...more });
    };
  }

  /** Adds a span measured elsewhere (e.g. the sum of output-guardrail work across deltas). */
  add(name: string, startPerf: number, durationMs: number, attributes?: Record<string, unknown>): void {
    const span: SpanRecord = { name, startedAt: new Date(this.originDate + (startPerf - this.origin)), durationMs: Math.round(durationMs * 1000) / 1000 };
    // A span without attributes leaves the key out (stored as null either way): a key holding
    // `undefined` would make the trace writer's storability check copy the whole record.
    if (attributes && Object.keys(attributes).length) span.attributes = attributes;
    this.spans.push(span);
  }
}
