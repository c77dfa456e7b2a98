import { randomUUID } from 'node:crypto';
import type { TraceRecord, GuardrailEventRecord } from '../src/traces';
import { mulberry32 } from '../src/core/seeded-random';

const PROMPTS = ['support', 'summarize', 'classify', 'extract', 'translate', 'sql-helper', 'onboarding', 'search-answer', 'moderation', 'email-draft', 'faq', 'triage'];
const APPS = ['helpdesk-app', 'docs-app', 'crm-app', 'analytics-app', 'mobile-app', 'batch-jobs'];
const MODELS: Array<{ id: string; inPerMTok: number; outPerMTok: number; latency: number }> = [
  { id: 'amazon.nova-micro-v1:0', inPerMTok: 35_000, outPerMTok: 140_000, latency: 350 },
  { id: 'amazon.nova-lite-v1:0', inPerMTok: 60_000, outPerMTok: 240_000, latency: 500 },
  { id: 'amazon.nova-pro-v1:0', inPerMTok: 800_000, outPerMTok: 3_200_000, latency: 1100 },
  { id: 'anthropic.claude-3-haiku-20240307-v1:0', inPerMTok: 250_000, outPerMTok: 1_250_000, latency: 700 },
  { id: 'anthropic.claude-3-5-sonnet-20240620-v1:0', inPerMTok: 3_000_000, outPerMTok: 15_000_000, latency: 1900 },
];
const RULES = ['default-route', 'cheap-first', null] as const;
const TAGS = ['beta', 'eu', 'us', 'mobile', 'web', 'vip', 'trial', 'internal', 'batch', 'experiment-a', 'experiment-b', 'legal', 'sales', 'hr', 'ops'];
const POLICIES = ['pii-default', 'topics-finance', 'injection-guard'];

/** Options of the synthetic trace generator. */
export interface SyntheticOptions {
  /** Seed of the PRNG. Default 1. */
  seed?: number;
  /** Start of the time range. Default 30 days before `end`. */
  start?: Date;
  /** End of the time range (exclusive). Default now. */
  end?: Date;
  /** Distinct users (Zipf-like popularity). Default 5000. */
  users?: number;
}

/**
 * Realistic synthetic traces, in time order, spread evenly over [start, end): a dozen prompts with
 * labels and versions, apps with their own API keys, routing rules choosing models, lognormal
 * latencies by model, ~5% failures, ~3% guardrail blocks, ~10% guardrail findings, ~8% cache hits, ~3% eval traffic,
 * Zipf-distributed users, 0–2 tags. Money adds up exactly in integer micro-USD.
 */
export function* syntheticTraces(count: number, options: SyntheticOptions = {}): Generator<TraceRecord> {
  const rnd = mulberry32(options.seed ?? 1);
  const end = (options.end ?? new Date()).getTime();
  const start = (options.start ?? new Date(end - 30 * 86_400_000)).getTime();
  const users = options.users ?? 5000;
  const step = (end - start) / Math.max(1, count);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  for (let i = 0; i < count; i++) {
    const createdAt = new Date(Math.floor(start + i * step + rnd() * step * 0.999));
    const pi = Math.floor(rnd() ** 1.5 * PROMPTS.length);
    const prompt = PROMPTS[pi]!;
    // Correlated as real traffic is: a prompt's label serves one version, one app (API key) calls it,
    // one routing rule matches it and mostly picks one model (the other is the fallback).
    const lr = rnd();
    const label = lr < 0.8 ? 'production' : lr < 0.97 ? 'staging' : null;
    const promptVersion = label === 'production' ? 2 + (pi % 2) : label === 'staging' ? 3 + (pi % 2) : 1;
    const apiKey = rnd() < 0.97 ? APPS[pi % APPS.length]! : 'ci-runner';
    const rule = RULES[pi % RULES.length]!;
    const main = rule === 'cheap-first' ? MODELS[pi % 2]! : MODELS[2 + (pi % 3)]!;
    const model = rnd() < 0.9 ? main : MODELS[(MODELS.indexOf(main) + 1) % MODELS.length]!;
    // ~3% come from eval runs (one run per day and prompt), told apart by `source`.
    const evalRunId = rnd() < 0.03 ? `00000000-0000-4000-8000-${String(Math.floor(createdAt.getTime() / 86_400_000) * 100 + pi).padStart(12, '0')}` : null;
    const user = `u-${Math.floor(users * rnd() ** 2.5)}`;
    const tags = TAGS.filter(() => rnd() < 0.08).slice(0, 2);
    const sr = rnd();
    const status: TraceRecord['status'] = sr < 0.05 ? 'FAILED' : sr < 0.08 ? 'BLOCKED' : 'COMPLETED';
    const cached = status === 'COMPLETED' && rnd() < 0.08;
    const guardrailEvents: GuardrailEventRecord[] = [];
    if (status === 'BLOCKED') {
      guardrailEvents.push({
        direction: rnd() < 0.7 ? 'INPUT' : 'OUTPUT',
        action: 'BLOCKED',
        policy: pick(POLICIES),
        findings: [{ kind: rnd() < 0.5 ? 'TOPIC' : 'PROMPT_INJECTION', name: 'deny', action: 'BLOCKED' }],
      });
    } else if (rnd() < 0.1) {
      const n = 1 + Math.floor(rnd() * 3);
      guardrailEvents.push({
        direction: rnd() < 0.6 ? 'INPUT' : 'OUTPUT',
        action: 'ANONYMIZED',
        policy: POLICIES[0]!,
        findings: Array.from({ length: n }, () => ({ kind: 'PII' as const, name: pick(['EMAIL', 'PHONE', 'NAME']), action: rnd() < 0.85 ? ('ANONYMIZED' as const) : ('NONE' as const) })),
      });
      if (rnd() < 0.2) guardrailEvents.push({ direction: 'OUTPUT', action: 'NONE', policy: POLICIES[1]!, findings: [] });
    }
    const called = status === 'COMPLETED' && !cached;
    const system = 80 + Math.floor(rnd() * 400);
    const context = rnd() < 0.4 ? Math.floor(rnd() * 2000) : 0;
    const history = Math.floor(rnd() * 600);
    const input = 10 + Math.floor(rnd() * 300);
    const output = 20 + Math.floor(rnd() * 700);
    const cacheRead = rnd() < 0.3 ? system : 0;
    const price = (tok: number, perM: number) => Math.floor((tok * perM) / 1_000_000);
    const stages = {
      system: price(cacheRead ? 0 : system, model.inPerMTok),
      context: price(context, model.inPerMTok),
      history: price(history, model.inPerMTok),
      input: price(input, model.inPerMTok),
      output: price(output, model.outPerMTok),
      cacheRead: price(cacheRead, model.inPerMTok / 10),
      cacheWrite: 0,
    };
    const costMicros = Object.values(stages).reduce((a, b) => a + b, 0);
    const latency = cached ? 2 + rnd() * 8 : status === 'COMPLETED' ? model.latency * Math.exp(0.45 * normal()) : rnd() < 0.5 ? null : 20 + rnd() * 200;
    const latencyMs = latency === null ? null : Math.round(latency * 1000) / 1000;
    const ttftMs = called && latencyMs !== null ? Math.round(latencyMs * (0.1 + rnd() * 0.25) * 1000) / 1000 : null;
    yield {
      id: randomUUID(),
      createdAt,
      prompt,
      promptVersion,
      label,
      modelId: status === 'BLOCKED' && guardrailEvents[0]?.direction === 'INPUT' ? null : model.id,
      routedBy: rule,
      user,
      sessionId: `s-${Math.floor(rnd() * 1e9).toString(36)}`,
      apiKey,
      tags,
      source: evalRunId ? 'EVAL' : 'PRODUCTION',
      evalRunId,
      status,
      errorCode: status === 'FAILED' ? 'PROVIDER_ERROR' : status === 'BLOCKED' ? 'GUARDRAIL_BLOCKED' : null,
      stopReason: status === 'COMPLETED' ? 'end_turn' : null,
      cached,
      request: { prompt, input: `question ${i}`, user, tags },
      assembledPrompt: called ? { system: [{ text: 'You are helpful.' }], messages: [{ role: 'user', content: [{ text: `question ${i}` }] }] } : null,
      output: status === 'COMPLETED' ? `answer ${i}` : null,
      usage: called
        ? {
            inputTokens: system - cacheRead + context + history + input,
            outputTokens: output,
            cacheReadTokens: cacheRead,
            cacheWriteTokens: 0,
            byStage: { system: system - cacheRead, context, history, input, output },
          }
        : null,
      costMicros: called ? costMicros : 0,
      costByStage: called ? stages : null,
      savedMicros: cached ? costMicros : 0,
      latencyMs,
      ttftMs,
      guardrailEvents,
      spans: [{ name: 'model_call', startedAt: createdAt, durationMs: latencyMs ?? 0 }],
    };
  }
}
