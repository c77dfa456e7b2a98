import type { DataSource } from 'typeorm';
import { OnlineEvalWorker, matches, type OnlineEvalWorkerDeps } from '../../../src/evals/online/online-eval-worker';
import { onlineEvaluatorInputSchema } from '../../../src/evals/online/online-evaluator.schemas';
import type { ActiveEvaluator } from '../../../src/evals/online/online-evaluator.service';
import { everySeconds } from '../../../src/evals/schedules/eval-schedule.service';
import type { TraceRecord } from '../../../src/traces/index';
import { createLogger } from '../../../src/observability/logger';

const trace = (over: Partial<TraceRecord> = {}): TraceRecord =>
  ({
    id: crypto.randomUUID(),
    prompt: 'support',
    label: 'production',
    modelId: 'amazon.nova-lite-v1:0',
    tags: ['web'],
    status: 'COMPLETED',
    source: 'PRODUCTION',
    output: '{"ok": true}',
    costMicros: 10,
    latencyMs: 100,
    request: { prompt: 'support', input: 'hi' },
    ...over,
  }) as TraceRecord;

const evaluator = (over: Partial<ActiveEvaluator> = {}): ActiveEvaluator => ({
  id: crypto.randomUUID(),
  name: 'e',
  prompt: 'support',
  label: null,
  evalSet: null,
  sampleRate: 1,
  reviewSampleRate: 0,
  assertions: [{ type: 'llm-rubric', value: 'Is fine.', threshold: 0.5, weight: 1 }],
  filter: null,
  ...over,
});

describe('matches: which traces an online evaluator looks at', () => {
  it('needs the prompt, the label when set, any filter tag and a filter model', () => {
    expect(matches(evaluator(), trace())).toBe(true);
    expect(matches(evaluator(), trace({ prompt: 'other' }))).toBe(false);
    expect(matches(evaluator({ label: 'staging' }), trace())).toBe(false);
    expect(matches(evaluator({ label: 'production' }), trace())).toBe(true);
    expect(matches(evaluator({ filter: { tags: ['beta', 'web'] } }), trace())).toBe(true);
    expect(matches(evaluator({ filter: { tags: ['beta'] } }), trace())).toBe(false);
    expect(matches(evaluator({ filter: { models: ['amazon.nova-lite-v1:0'] } }), trace())).toBe(true);
    expect(matches(evaluator({ filter: { models: ['other'] } }), trace())).toBe(false);
    expect(matches(evaluator({ filter: { tags: ['web'], models: ['other'] } }), trace())).toBe(false);
  });
});

describe('online evaluator input', () => {
  const base = { name: 'e', prompt: 'p', sampleRate: 0.5, assertions: [{ type: 'not-contains', value: 'x' }] };
  it('accepts negated types and fills weights; an empty filter is no filter', () => {
    const d = onlineEvaluatorInputSchema.parse({ ...base, filter: {} });
    expect(d.assertions).toEqual([{ type: 'not-contains', value: 'x', weight: 1 }]);
    expect(d.filter).toBeNull();
  });
  it.each([['equals'], ['similar'], ['not-similar'], ['nope']])('refuses %s', (type) => {
    const r = onlineEvaluatorInputSchema.safeParse({ ...base, assertions: [{ type, value: 'x' }] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['assertions', 0, 'type']);
  });
});

describe('everySeconds', () => {
  it('reads a whole number and a unit', () => {
    expect(everySeconds('45s')).toBe(45);
    expect(everySeconds('30m')).toBe(1800);
    expect(everySeconds('6h')).toBe(21_600);
    expect(everySeconds('1d')).toBe(86_400);
    for (const bad of ['0s', '10', '1.5h', 'h', '-1d', '1w']) expect(everySeconds(bad)).toBeNull();
  });
});

/** A worker whose judge calls wait until released; the database is a stand-in that accepts every write. */
function harness(opts: { queueSize: number; concurrency: number; evaluator?: ActiveEvaluator; judgeFails?: boolean }) {
  const waiting: Array<() => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const written: string[] = [];
  const manager = { query: async () => [{ id: 'r' }] };
  const db = { getRepository: () => ({ findOneBy: async () => null }), transaction: async (fn: (m: unknown) => Promise<unknown>) => fn(manager) } as unknown as DataSource;
  const deps: OnlineEvalWorkerDeps = {
    db,
    logger: createLogger('silent'),
    evaluators: async () => [opts.evaluator ?? evaluator()],
    scores: { addMany: async (list) => void written.push(...list.map((d) => `${d.traceId} ${d.name} ${d.source}`)) },
    review: { addTraceItem: async () => undefined },
    judge: async (_model, _req, signal) => {
      if (opts.judgeFails) throw new Error('ThrottlingException');
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await new Promise<void>((resolve, reject) => {
          waiting.push(resolve);
          signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
        });
      } finally {
        inFlight--;
      }
      return { toolInput: { score: 1, reason: 'fine' }, text: '', costMicros: 5 };
    },
    judgeBudget: { reserve: async () => ({ ok: true, settle: async () => undefined }) },
    defaultJudgeModelId: 'judge',
    reviewSampleRate: 0,
    queueSize: opts.queueSize,
    concurrency: opts.concurrency,
  };
  const worker = new OnlineEvalWorker(deps);
  const tick = () => new Promise((r) => setImmediate(r));
  return {
    worker,
    written,
    tick,
    get maxInFlight() {
      return maxInFlight;
    },
    async releaseAll() {
      while (worker.pending || waiting.length || worker.stats.scored + worker.stats.failed < worker.stats.queued) {
        waiting.splice(0).forEach((r) => r());
        await tick();
      }
    },
  };
}

describe('OnlineEvalWorker', () => {
  it('scores at most `concurrency` samples at once, keeps `queueSize` waiting, and drops and counts the rest', async () => {
    const h = harness({ queueSize: 3, concurrency: 2 });
    for (let i = 0; i < 10; i++) h.worker.offer(trace());
    for (let i = 0; i < 5; i++) await h.tick();
    // Two with the judge, three waiting, five dropped: offer() never waited for any of it.
    expect(h.worker.stats).toMatchObject({ queued: 5, dropped: 5, scored: 0 });
    expect(h.worker.pending).toBe(3);
    await h.releaseAll();
    expect(h.maxInFlight).toBe(2);
    expect(h.worker.stats).toMatchObject({ queued: 5, dropped: 5, scored: 5, failed: 0 });
    expect(new Set(h.written.map((w) => w.split(' ')[0])).size).toBe(5);
  });

  it('leaves out an llm-rubric the judge could not answer instead of scoring the trace 0; the rules still count', async () => {
    const ev = evaluator({
      assertions: [
        { type: 'is-json', weight: 1 },
        { type: 'llm-rubric', value: 'Is fine.', threshold: 0.5, weight: 1 },
      ],
    });
    const h = harness({ queueSize: 10, concurrency: 1, evaluator: ev, judgeFails: true });
    const t = trace();
    h.worker.offer(t);
    await h.tick();
    await h.releaseAll();
    expect(h.worker.stats).toMatchObject({ scored: 1, failed: 0 });
    expect(h.written).toEqual([`${t.id} is-json RULE`]);
  });

  it('ignores eval traces, failed generations and traces without output', async () => {
    const h = harness({ queueSize: 10, concurrency: 1 });
    h.worker.offer(trace({ source: 'EVAL' }));
    h.worker.offer(trace({ status: 'FAILED' }));
    h.worker.offer(trace({ output: null }));
    await h.tick();
    expect(h.worker.stats.queued + h.worker.stats.dropped).toBe(0);
  });

  it('on stop drops what waits (counted) and takes nothing more', async () => {
    const h = harness({ queueSize: 10, concurrency: 1 });
    for (let i = 0; i < 4; i++) h.worker.offer(trace());
    await h.tick();
    // One sample is with the judge; three wait. stop(0): the waiting ones are dropped, the judge call aborted.
    await h.worker.stop(0);
    h.worker.offer(trace());
    await h.tick();
    expect(h.worker.stats).toMatchObject({ queued: 4, dropped: 3, scored: 0, failed: 1 });
    expect(h.worker.pending).toBe(0);
  });
});
