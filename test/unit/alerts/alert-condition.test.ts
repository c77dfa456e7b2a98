import { judge, judgeDrift, meanSd, type DriftSignal } from '../../../src/alerts/alert-condition';
import { conditionSchemas } from '../../../src/alerts/alert-rule.schemas';

const s = (value: number | null, samples = 10) => ({ value, samples });

describe('judge: absolute bounds', () => {
  it('fires above the bound with the value, the bound as baseline and a message a person can act on', () => {
    const v = judge('p95_latency', { above: 2000 }, '5m', '', { current: s(2500, 40) });
    expect(v).toMatchObject({ state: 'firing', value: 2500, baseline: 2000 });
    expect(v.state === 'firing' && v.message).toBe('p95 latency over the last 5m is 2500 ms, above the bound 2000 ms (40 samples)');
  });

  it('is ok at the bound itself and below it', () => {
    expect(judge('error_rate', { above: 0.1 }, '5m', '', { current: s(0.1) }).state).toBe('ok');
    expect(judge('eval_score', { below: 0.7 }, '1h', '', { current: s(0.72) }).state).toBe('ok');
    expect(judge('eval_score', { below: 0.7 }, '1h', '', { current: s(0.69) }).state).toBe('firing');
  });

  it('says unknown (keeps the state) with fewer samples than minSamples, and with none', () => {
    expect(judge('error_rate', { above: 0.1, minSamples: 20 }, '5m', '', { current: s(0.9, 19) })).toEqual({
      state: 'unknown',
      reason: '19 sample(s) in the window, fewer than 20',
    });
    expect(judge('cost', { above: 0 }, '5m', '', { current: s(null, 0) }).state).toBe('unknown');
  });
});

describe('judge: ratio against a trailing baseline', () => {
  it('fires when the rate is at least ratio x the baseline, going up by default', () => {
    const v = judge('guardrail_trigger_rate', { ratio: 3 }, '10m', '', { current: s(0.3), baseline: s(0.05, 500) });
    expect(v).toMatchObject({ state: 'firing', value: 0.3, baseline: 0.05 });
    expect(v.state === 'firing' && v.message).toMatch(/guardrail trigger rate over the last 10m is 30\.0%, 6\.0x its baseline 5\.0%/);
    expect(judge('guardrail_trigger_rate', { ratio: 3 }, '10m', '', { current: s(0.14), baseline: s(0.05, 500) }).state).toBe('ok');
  });

  it('going down: value at most baseline / ratio', () => {
    expect(judge('eval_score', { ratio: 2, direction: 'down' }, '1d', '', { current: s(0.4), baseline: s(0.9) }).state).toBe('firing');
    expect(judge('eval_score', { ratio: 2, direction: 'down' }, '1d', '', { current: s(0.5), baseline: s(0.9) }).state).toBe('ok');
  });

  it('a baseline of 0 going up fires on any positive value and never on 0', () => {
    expect(judge('error_rate', { ratio: 2 }, '5m', '', { current: s(0.01), baseline: s(0) }).state).toBe('firing');
    expect(judge('error_rate', { ratio: 2 }, '5m', '', { current: s(0), baseline: s(0) }).state).toBe('ok');
  });

  it('an empty baseline is unknown, not a guess', () => {
    expect(judge('error_rate', { ratio: 2 }, '5m', '', { current: s(0.5), baseline: s(null, 0) }).state).toBe('unknown');
  });
});

describe('judge: z-score against baseline slices', () => {
  it('z = (value - mean) / sample sd of the usable slices, worked by hand', () => {
    // slices 100, 200, 300 ms (the 4th has too few samples): mean 200, sd = sqrt((100^2 + 0 + 100^2) / 2) = 100; 500 ms -> z = 3
    const slices = [s(100), s(200), s(300), s(9000, 1)];
    const v = judge('p95_latency', { zScore: 3, minSamples: 5 }, '5m', '', { current: s(500), slices });
    expect(v.state).toBe('firing');
    expect(v.state === 'firing' && v.details).toMatchObject({ z: 3, sd: 100, slices: 3 });
    expect(v.state === 'firing' && v.baseline).toBe(200);
    expect(judge('p95_latency', { zScore: 3.01, minSamples: 5 }, '5m', '', { current: s(500), slices }).state).toBe('ok');
  });

  it('a flat baseline: any move in the watched direction fires', () => {
    const slices = [s(0.05), s(0.05), s(0.05)];
    expect(judge('guardrail_trigger_rate', { zScore: 4 }, '5m', '', { current: s(0.2), slices }).state).toBe('firing');
    expect(judge('guardrail_trigger_rate', { zScore: 4, direction: 'down' }, '5m', '', { current: s(0.2), slices }).state).toBe('ok');
    expect(judge('guardrail_trigger_rate', { zScore: 4 }, '5m', '', { current: s(0.05), slices }).state).toBe('ok');
  });

  it('fewer than 2 usable slices is unknown', () => {
    expect(judge('error_rate', { zScore: 2 }, '5m', '', { current: s(0.5), slices: [s(0.1), s(null, 0)] }).state).toBe('unknown');
  });

  it('meanSd', () => {
    expect(meanSd([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, sd: Math.sqrt(32 / 7) });
  });
});

describe('condition schemas', () => {
  const ok = (metric: keyof typeof conditionSchemas, c: unknown) => conditionSchemas[metric].safeParse(c).success;
  it('take exactly one kind, deviation options only with a deviation, evalSet only on eval_score', () => {
    expect(ok('error_rate', { above: 0.1, minSamples: 20, prompt: 'faq' })).toBe(true);
    expect(ok('guardrail_trigger_rate', { ratio: 3, baselineWindow: '1d', direction: 'up' })).toBe(true);
    expect(ok('p95_latency', { zScore: 3 })).toBe(true);
    expect(ok('eval_score', { below: 0.8, evalSet: 'faq' })).toBe(true);
    expect(ok('error_rate', { above: 0.1, ratio: 2 })).toBe(false);
    expect(ok('error_rate', { above: 0.1, direction: 'up' })).toBe(false);
    expect(ok('error_rate', { ratio: 1 })).toBe(false);
    expect(ok('error_rate', { ratio: 2, baselineWindow: '2x' })).toBe(false);
    expect(ok('cost', { above: 1, evalSet: 'faq' })).toBe(false);
    expect(ok('error_rate', { above: 1.5 })).toBe(false);
  });
});

describe('judgeDrift: drift rules', () => {
  const sig = (name: string, o: Partial<DriftSignal> = {}): DriftSignal => ({
    name,
    statistic: 0.01,
    method: 'jensen-shannon',
    threshold: 0.1,
    drifted: false,
    insufficientData: false,
    note: null,
    ...o,
  });
  const report = (features: DriftSignal[], windowCount = 50) => ({ windowCount, baselineCount: 400, features });

  it('a named signal fires when it drifted: value the statistic, baseline its threshold', () => {
    const v = judgeDrift({ feature: 'inputLanguage' }, '1h', '1d', '', report([sig('inputLanguage', { statistic: 0.42, drifted: true })]));
    expect(v).toMatchObject({ state: 'firing', value: 0.42, baseline: 0.1 });
    expect(v.state === 'firing' && v.message).toBe('drift of inputLanguage over the last 1h against the 1d before: jensen-shannon 0.420, past its threshold 0.100 (50 traces against 400)');
    expect(judgeDrift({ feature: 'inputLanguage' }, '1h', '1d', '', report([sig('inputLanguage')]))).toMatchObject({ state: 'ok', value: 0.01, baseline: 0.1 });
  });

  it('with `above`, the absolute statistic against the bound (a z of -4 is past 3)', () => {
    const z = sig('errorRate', { method: 'two-proportion-z', statistic: -4, threshold: 2.576, drifted: true });
    expect(judgeDrift({ feature: 'errorRate', above: 3 }, '1h', '1d', '', report([z]))).toMatchObject({ state: 'firing', value: -4, baseline: 3 });
    expect(judgeDrift({ feature: 'errorRate', above: 5 }, '1h', '1d', '', report([z])).state).toBe('ok');
  });

  it('without a feature: fires when more than `above` (default 0) signals drifted, listing them', () => {
    const features = [sig('inputLanguage', { statistic: 1, drifted: true }), sig('modelId'), sig('latencyMs', { method: 'ks', statistic: 0.5, threshold: 0.2, drifted: true })];
    const v = judgeDrift({}, '10m', '4h', ' of prompt "faq"', report(features));
    expect(v).toMatchObject({ state: 'firing', value: 2, baseline: 0 });
    expect(v.state === 'firing' && v.message).toBe(
      '2 of 3 drift signals drifted over the last 10m of prompt "faq" against the 4h before: inputLanguage (jensen-shannon 1.000, threshold 0.100), latencyMs (ks 0.500, threshold 0.200) (50 traces against 400)',
    );
    expect(judgeDrift({ above: 2 }, '10m', '4h', '', report(features))).toMatchObject({ state: 'ok', value: 2 });
  });

  it('unknown (state kept) on too few traces, a signal without a verdict, or nothing judged', () => {
    expect(judgeDrift({ minSamples: 100 }, '1h', '1d', '', report([sig('a', { drifted: true })], 99))).toMatchObject({ state: 'unknown' });
    const thin = sig('evalScoreRuns', { insufficientData: true, statistic: null, note: 'too few samples to judge: 3 in the window, 40 in the baseline (at least 20 each)' });
    expect(judgeDrift({ feature: 'evalScoreRuns' }, '1h', '1d', '', report([thin]))).toEqual({ state: 'unknown', reason: thin.note });
    expect(judgeDrift({}, '1h', '1d', '', report([thin])).state).toBe('unknown');
  });

  it('the condition names a known signal only', () => {
    expect(conditionSchemas.drift.safeParse({ feature: 'inputTopicOutliers', baselineWindow: '7d', minSamples: 100 }).success).toBe(true);
    expect(conditionSchemas.drift.safeParse({ feature: 'vibes' }).success).toBe(false);
    expect(conditionSchemas.drift.safeParse({ above: -1 }).success).toBe(false);
    expect(conditionSchemas.drift.safeParse({ ratio: 2 }).success).toBe(false);
  });
});
