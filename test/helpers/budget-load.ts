import type { DataSource } from 'typeorm';
import type { Client as WsClient } from 'graphql-ws';
import type { GqlResult } from './test-app';

/** How one generation ended, whatever the transport. */
export interface GenerationOutcome {
  status: 'COMPLETED' | 'BLOCKED' | 'FAILED';
  code: string | null;
  message: string | null;
  modelId: string | null;
  costUsd: number;
  traceId: string | null;
}

/** Runs one generation and reports how it ended. */
export type Generator = (input: Record<string, unknown>) => Promise<GenerationOutcome>;

type Gql = (query: string, variables?: Record<string, unknown>, key?: string | null) => Promise<GqlResult>;

const ONCE = `mutation($i: GenerateInput!) { generateOnce(input: $i) { traceId status modelId costUsd error { code message } } }`;
const STREAM = `subscription($i: GenerateInput!) { generate(input: $i) { __typename
  ... on GenerationStarted { traceId modelId }
  ... on GenerationCompleted { traceId costUsd }
  ... on GenerationFailed { failedTraceId: traceId code message } } }`;

/** `generateOnce` over HTTP on one server (a test app's or a server process's `gql`). */
export function onceGenerator(gql: Gql, key: string): Generator {
  return async (input) => {
    const r = await gql(ONCE, { i: input }, key);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    const g = r.data!.generateOnce as Record<string, any>;
    return { status: g.status, code: g.error?.code ?? null, message: g.error?.message ?? null, modelId: g.modelId, costUsd: g.costUsd ?? 0, traceId: g.traceId };
  };
}

/** The `generate` subscription over graphql-ws, folded into one outcome. */
export function streamGenerator(client: WsClient): Generator {
  return (input) =>
    new Promise((resolve, reject) => {
      const out: GenerationOutcome = { status: 'FAILED', code: null, message: null, modelId: null, costUsd: 0, traceId: null };
      client.subscribe(
        { query: STREAM, variables: { i: input } },
        {
          next: (r) => {
            if (r.errors) return reject(new Error(JSON.stringify(r.errors)));
            const ev = r.data!.generate as Record<string, any>;
            if (ev.__typename === 'GenerationStarted') Object.assign(out, { modelId: ev.modelId, traceId: ev.traceId });
            if (ev.__typename === 'GenerationCompleted') Object.assign(out, { status: 'COMPLETED', costUsd: ev.costUsd, traceId: ev.traceId });
            if (ev.__typename === 'GenerationFailed') {
              Object.assign(out, { code: ev.code, message: ev.message, traceId: ev.failedTraceId });
              out.status = ev.code === 'BUDGET_EXCEEDED' || ev.code === 'GUARDRAIL_BLOCKED' ? 'BLOCKED' : 'FAILED';
            }
          },
          error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
          complete: () => resolve(out),
        },
      );
    });
}

/** One budget's ledger row for its current period, in micro-USD (null before the first reservation). */
export interface LedgerRow {
  limit: number;
  spent: number;
  reserved: number;
}

export async function ledgerRow(db: DataSource, budgetId: string): Promise<LedgerRow | null> {
  const rows: Array<{ limit_micros: string; spent_micros: string; reserved_micros: string }> = await db.query(
    'SELECT limit_micros, spent_micros, reserved_micros FROM budget_periods WHERE budget_id = $1 ORDER BY period_start DESC LIMIT 1',
    [budgetId],
  );
  const r = rows[0];
  return r ? { limit: Number(r.limit_micros), spent: Number(r.spent_micros), reserved: Number(r.reserved_micros) } : null;
}

/**
 * The ledger row once the budget holds nothing: a generation's settlement is written just after its
 * last event (the client does not wait for it), so a raw read of the table right after a generation
 * can still see the hold. Polls up to `timeoutMs`, then returns what is there (a hold that never
 * settles still fails the caller's assertion).
 */
export async function settledLedgerRow(db: DataSource, budgetId: string, timeoutMs = 10_000): Promise<LedgerRow | null> {
  let row = await ledgerRow(db, budgetId);
  for (const until = Date.now() + timeoutMs; row && row.reserved > 0 && Date.now() < until; row = await ledgerRow(db, budgetId)) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return row;
}

/** Every hold ever placed on a budget, by outcome (`open` = never settled, released nor reaped). */
export interface HoldCounts {
  total: number;
  open: number;
  settled: number;
  released: number;
  expired: number;
  /** Sum of the settled holds' real cost. */
  chargedMicros: number;
  /** Largest single hold. */
  maxAmountMicros: number;
}

export async function holdCounts(db: DataSource, budgetId: string): Promise<HoldCounts> {
  const [r] = (await db.query(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE h.settled_at IS NULL OR h.outcome IS NULL)::int AS open,
            count(*) FILTER (WHERE h.outcome = 'SETTLED')::int AS settled,
            count(*) FILTER (WHERE h.outcome = 'RELEASED')::int AS released,
            count(*) FILTER (WHERE h.outcome = 'EXPIRED')::int AS expired,
            coalesce(sum(h.actual_micros) FILTER (WHERE h.outcome = 'SETTLED'), 0)::text AS charged,
            coalesce(max(h.amount_micros), 0)::text AS max_amount
       FROM budget_holds h JOIN budget_periods p ON p.id = h.budget_period_id
      WHERE p.budget_id = $1`,
    [budgetId],
  )) as Array<{ total: number; open: number; settled: number; released: number; expired: number; charged: string; max_amount: string }>;
  return {
    total: Number(r!.total),
    open: Number(r!.open),
    settled: Number(r!.settled),
    released: Number(r!.released),
    expired: Number(r!.expired),
    chargedMicros: Number(r!.charged),
    maxAmountMicros: Number(r!.max_amount),
  };
}

/** What a burst of concurrent generations did to one budget. */
export interface BurstResult {
  outcomes: GenerationOutcome[];
  /** The ledger read continuously while the burst ran (spent + reserved per sample). */
  samples: LedgerRow[];
  maxObservedMicros: number;
  /** The same, read over GraphQL (`budget(name) { spentUsd reservedUsd limitUsd }`) when asked for. */
  apiSamples: ApiSample[];
}

/** A budget as the API shows it. */
export interface ApiSample {
  spentUsd: number;
  reservedUsd: number;
  limitUsd: number;
}

/**
 * Fires `total` generations at once, spread round-robin over `generators` (one per server process
 * or transport), while sampling the budget's ledger row until every generation answered.
 */
export async function burst(db: DataSource, budgetId: string, generators: Generator[], total: number, input: Record<string, unknown>, apiSample?: () => Promise<ApiSample>): Promise<BurstResult> {
  const samples: LedgerRow[] = [];
  const apiSamples: ApiSample[] = [];
  let running = true;
  const loop = async (read: () => Promise<void>) => {
    while (running) {
      await read();
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  const sampler = Promise.all([
    loop(async () => {
      const row = await ledgerRow(db, budgetId);
      if (row) samples.push(row);
    }),
    apiSample ? loop(async () => void apiSamples.push(await apiSample())) : undefined,
  ]);
  let outcomes: GenerationOutcome[];
  try {
    outcomes = await Promise.all(Array.from({ length: total }, (_, i) => generators[i % generators.length]!(input)));
  } finally {
    running = false;
    await sampler;
  }
  const final = await ledgerRow(db, budgetId);
  if (final) samples.push(final);
  return { outcomes, samples, maxObservedMicros: Math.max(0, ...samples.map((s) => s.spent + s.reserved)), apiSamples };
}
