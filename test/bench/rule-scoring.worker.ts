import { parentPort } from 'node:worker_threads';
import { scoreCase } from '../../src/evals/assertions/score-case';
import type { Assertion } from '../../src/evals/eval-case.schemas';

/**
 * The candidate "rule assertions on a worker thread" of `BENCH=online-evals`: scores each message's
 * output with its rule assertions (no judge) and posts the scores back.
 */
const noModel = { judge: () => Promise.reject(new Error('rules only')), similarity: () => Promise.reject(new Error('rules only')) };
parentPort!.on('message', (m: { id: number; assertions: Assertion[]; output: string; latencyMs: number; costUsd: number }) => {
  void scoreCase({ assertions: m.assertions, expected: null, threshold: null }, { output: m.output, error: null, latencyMs: m.latencyMs, costUsd: m.costUsd }, null, noModel).then((scored) =>
    parentPort!.postMessage({ id: m.id, scored }),
  );
});
