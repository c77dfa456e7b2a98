import type { GenerateEventData } from '../generate.events';
import type { PipelineDeps } from '../pipeline.deps';
import type { RequestState } from '../request-state';

/**
 * One step of the generate pipeline: reads what earlier steps set on the request state, calls its
 * feature's own method, records what it found (and its span), and may yield events to the client.
 * Throws a `Refusal` (or a typed error) for an expected failure; sets `st.ended` when the request
 * is over (a cache hit, a client gone).
 */
export interface PipelineStep {
  readonly name: string;
  /** `explainRoute` runs this step too (it runs the steps up to routing that call no model and screen nothing). */
  readonly explain?: boolean;
  run(st: RequestState, deps: PipelineDeps): AsyncGenerator<GenerateEventData, void, undefined> | Promise<void> | void;
}
