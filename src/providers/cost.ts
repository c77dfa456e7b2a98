import type { Prices } from './catalog';

/**
 * Money arithmetic in integers. A price in USD per 1M tokens is micro-USD per token, so
 * `tokens × price` is micro-USD. Prices carry at most 6 decimals, so they are scaled to integer
 * pico-USD per token and every product is an exact integer (safe below 2^53: ~9e15 pico-USD = $9,000
 * per line). Rounding to integer micro-USD happens once, at the end of a sum, half-up.
 */

const PICOS_PER_MICRO = 1_000_000;
const MICROS_PER_USD = 1_000_000;

function pricePicosPerToken(usdPerMillion: number): number {
  return Math.round(usdPerMillion * PICOS_PER_MICRO);
}

/** Exact cost in pico-USD (integer) of `tokens` at `usdPerMillion`. */
export function tokensCostPicos(tokens: number, usdPerMillion: number): number {
  return tokens * pricePicosPerToken(usdPerMillion);
}

/** Rounds pico-USD to micro-USD, half-up. */
export function picosToMicros(picos: number): number {
  return Math.floor((picos + PICOS_PER_MICRO / 2) / PICOS_PER_MICRO);
}

/** Cost in integer micro-USD of `tokens` at `usdPerMillion` USD per 1M tokens, rounded half-up. */
export function tokensCostMicros(tokens: number, usdPerMillion: number): number {
  return picosToMicros(tokensCostPicos(tokens, usdPerMillion));
}

/** Tokens of one generation, split by the pipeline stage they came from. */
export interface StageTokens {
  /** Uncached input tokens of the system prompt. */
  system: number;
  /** Uncached input tokens of retrieved context chunks. */
  context: number;
  /** Uncached input tokens of conversation history (including the prompt version's messages). */
  history: number;
  /** Uncached input tokens of the user's new message. */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** Integer micro-USD per stage; the stages add up to `total` exactly. */
export type StageCostMicros = { [K in keyof StageTokens]: number } & { total: number };

const STAGES = ['system', 'context', 'history', 'input', 'output', 'cacheRead', 'cacheWrite'] as const;

function stagePrice(stage: keyof StageTokens, prices: Prices): number {
  switch (stage) {
    case 'output':
      return prices.output;
    // A model without caching cannot report cache tokens; if one does, bill it as plain input.
    case 'cacheRead':
      return prices.cacheRead ?? prices.input;
    case 'cacheWrite':
      return prices.cacheWrite ?? prices.input;
    default:
      return prices.input;
  }
}

/**
 * Cost per stage in integer micro-USD.
 *
 * Rounding rule (largest remainder): `total` is the exact pico-USD sum of all stages rounded
 * half-up once. Each stage gets the floor of its exact amount; the micro-USD left over
 * (`total − Σ floors`, at most one per stage) go one each to the stages with the largest
 * fractional remainders, ties to the earlier stage in the order system, context, history, input,
 * output, cacheRead, cacheWrite. So the stages always add up to the total exactly.
 */
export function costByStageMicros(stageTokens: StageTokens, prices: Prices): StageCostMicros {
  const picos = STAGES.map((s) => tokensCostPicos(stageTokens[s], stagePrice(s, prices)));
  const total = picosToMicros(picos.reduce((a, b) => a + b, 0));
  const floors = picos.map((p) => Math.floor(p / PICOS_PER_MICRO));
  let left = total - floors.reduce((a, b) => a + b, 0);
  const order = STAGES.map((_, i) => i).sort((a, b) => (picos[b] % PICOS_PER_MICRO) - (picos[a] % PICOS_PER_MICRO) || a - b);
  for (const i of order) {
    if (left <= 0) break;
    floors[i] += 1;
    left -= 1;
  }
  const out = { total } as StageCostMicros;
  STAGES.forEach((s, i) => {
    out[s] = floors[i];
  });
  return out;
}

/**
 * Converts integer micro-USD to a USD number for the wire (never sum these). Accepts the strings
 * (or bigints) that `bigint`/`numeric` columns come back as.
 */
export function microsToUsd(micros: number | string | bigint): number {
  return Number(micros) / MICROS_PER_USD;
}
