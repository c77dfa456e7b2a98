import { Field, Float, ObjectType } from 'type-graphql';
import type { BudgetAction, BudgetPeriod, BudgetScope } from './budget.entity';

/** A budget as the hot path sees it: plain data from the in-process config cache. */
export interface BudgetData {
  id: string;
  name: string;
  scope: BudgetScope;
  /** Prompt name, model id, API key name or user; null for GLOBAL. */
  scopeValue: string | null;
  period: BudgetPeriod;
  limitMicros: number;
  /** Ascending fractions of the limit in (0, 1]. */
  alertThresholds: number[];
  onExceed: BudgetAction;
  downgradeModelId: string | null;
}

/** What a request is, for finding the budgets that cover it. */
export interface CoverageRequest {
  prompt: string;
  modelId: string;
  /** The name of the API key making the request. */
  apiKey: string | null;
  user: string | null;
}

/** One budget's share of a reservation. */
export interface ReservationHold {
  holdId: string;
  budgetId: string;
  budgetName: string;
  budgetPeriodId: string;
  /** The period the hold (and, when it settles, the spend) belongs to. */
  periodStart: Date;
}

/**
 * One budget's share of a reservation taken from this process's lease on a hot budget (in memory:
 * only the process that admitted it can settle it).
 */
export interface LeasedShare {
  budgetId: string;
  budgetName: string;
  budgetPeriodId: string;
  periodStart: Date;
  amountMicros: number;
}

/**
 * Worst-case cost held against every covering budget: an exact hold in the ledger per budget, or a
 * share of this process's lease on a hot budget. Pass it to `settle` (real cost) or `release` when
 * the request ends; holds that are never closed expire at `expiresAt` and are reaped (a leased share
 * of a crashed process comes back with its lease). A reservation with neither (no budget covers the
 * request) is valid and settles as a no-op.
 */
export interface Reservation {
  requestId: string;
  amountMicros: number;
  expiresAt: Date;
  holds: ReservationHold[];
  leased: LeasedShare[];
}

export interface ReserveRequest {
  budgets: BudgetData[];
  /** The request's worst-case cost in micro-USD (a non-negative integer). */
  amountMicros: number;
  requestId: string;
  /** How long the hold lives if never settled (default: the service's holdTtlMs). */
  ttlMs?: number;
  /** The instant whose periods are charged (default: the service clock). */
  now?: Date;
}

/** A refusal: the first budget (least room left) that cannot take the amount; nothing was reserved. */
export interface ReserveRefusal {
  ok: false;
  budget: BudgetData;
  /** What was left in that budget's period: limit - spent - reserved, at least 0. */
  remainingMicros: number;
  /** Names the budget and what is left, e.g. for GenerationFailed { code: BUDGET_EXCEEDED }. */
  message: string;
}

export type ReserveResult = { ok: true; reservation: Reservation } | ReserveRefusal;

/** What `admit` is asked: the request's coverage, its model and the fallbacks that may serve instead. */
export interface AdmitRequest extends CoverageRequest {
  requestId: string;
  /** Models that may serve if `modelId` fails: their budgets are held too. */
  fallbackModelIds?: readonly string[];
  ttlMs?: number;
  now?: Date;
}

/** One reservation `admit` tried: the model, the budgets covering it and the amount asked. */
export interface AdmitAttempt {
  modelId: string;
  budgets: BudgetData[];
  amountMicros: number;
  refusal: ReserveRefusal | null;
}

/** `admit`: a reservation for the model the request should use, after any DOWNGRADE. */
export type AdmitResult =
  | { ok: true; reservation: Reservation; modelId: string; downgradedFrom: string | null; downgradedBy: BudgetData | null; attempts: AdmitAttempt[] }
  | (ReserveRefusal & { modelId: string; attempts: AdmitAttempt[] });

/** The ledger of one budget in one period, as the service reads it. */
export interface BudgetUsage {
  budgetPeriodId: string | null;
  periodStart: Date;
  periodEnd: Date | null;
  limitMicros: number;
  spentMicros: number;
  reservedMicros: number;
  /** Room leased by server processes and not used yet. */
  leasedMicros: number;
}

/** One period of a budget's history (`budgetHistory`). */
@ObjectType()
export class BudgetPeriodRow {
  @Field()
  periodStart!: Date;

  @Field(() => Date, { nullable: true, description: 'Exclusive; null for TOTAL.' })
  periodEnd!: Date | null;

  @Field(() => Float)
  spentUsd!: number;

  @Field(() => Float)
  reservedUsd!: number;

  @Field(() => Float, { description: 'Room leased by server processes to admit requests from, not used yet.' })
  leasedUsd!: number;

  @Field(() => Float, { description: 'The limit that applied in this period.' })
  limitUsd!: number;
}
