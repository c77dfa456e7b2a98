import { traceRecord } from '../fixtures/traces';
import { startTestApp, type TestApp } from '../helpers/test-app';

const DRIFT = `query($f: TraceFilter, $w: TimeRangeInput!, $b: TimeRangeInput!) {
  drift(filter: $f, window: $w, baseline: $b) { drifted windowCount baselineCount features { name statistic method threshold drifted } } }`;

describe('drift', () => {
  let t: TestApp;
  const day = (d: number, i: number) => new Date(Date.UTC(2026, 2, d, 0, 0, i));
  beforeAll(async () => {
    t = await startTestApp();
    // Baseline (March 1): fast and successful; window (March 2): slower; March 3: like the baseline.
    for (let i = 0; i < 200; i++) {
      t.app.services.traces.writer.enqueue(traceRecord({ createdAt: day(1, i), latencyMs: 100 + (i % 50) }));
      t.app.services.traces.writer.enqueue(traceRecord({ createdAt: day(2, i), latencyMs: 300 + (i % 50), status: i % 2 ? 'FAILED' : 'COMPLETED' }));
      t.app.services.traces.writer.enqueue(traceRecord({ createdAt: day(3, i), latencyMs: 100 + ((i * 7) % 50) }));
      // Eval traffic in the window: not counted unless the filter asks for it.
      t.app.services.traces.writer.enqueue(traceRecord({ createdAt: day(3, i), latencyMs: 5000, source: 'EVAL' }));
    }
    await t.app.services.traces.writer.flush();
  });
  afterAll(() => t.close());

  const range = (d: number) => ({ from: day(d, 0).toISOString(), to: new Date(Date.UTC(2026, 2, d + 1)).toISOString() });

  it('reports the features that drifted, with the statistic, method and threshold', async () => {
    const r = await t.gql(DRIFT, { w: range(2), b: range(1) }, await t.keyFor('ANALYST'));
    expect(r.errors).toBeUndefined();
    const rep = r.data!.drift;
    expect(rep).toMatchObject({ drifted: true, windowCount: 200, baselineCount: 200 });
    const f = Object.fromEntries(rep.features.map((x: { name: string }) => [x.name, x]));
    expect(f.latencyMs).toMatchObject({ method: 'ks', drifted: true, statistic: 1 });
    expect(f.status).toMatchObject({ method: 'psi', drifted: true });
    expect(f.inputTokens).toMatchObject({ drifted: false, statistic: 0 });
  });

  it('finds no drift between like ranges, counting production traffic only by default', async () => {
    const r = await t.gql(DRIFT, { w: range(3), b: range(1) });
    expect(r.data!.drift).toMatchObject({ drifted: false, windowCount: 200 });
    const evalToo = await t.gql(DRIFT, { w: range(3), b: range(1), f: { source: 'EVAL' } });
    expect(evalToo.data!.drift.windowCount).toBe(200);
    expect(evalToo.data!.drift.baselineCount).toBe(0);
  });

  it('refuses an empty range naming the field', async () => {
    const r = await t.gql(DRIFT, { w: { from: range(2).to, to: range(2).from }, b: range(1) });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'window.from' });
  });
});
