import { FEATURE_BITS, predict, type InjectionModel } from '../../src/guardrails/engine/injection/injection.classifier';
import { featuresOf } from '../../src/guardrails/engine/injection/injection-detector';

/** One labelled training text. */
export interface TrainRow {
  text: string;
  injection: boolean;
  indirect: boolean;
  /** Group for leave-one-group-out and for balancing (family or source). */
  group: string;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Logistic regression by SGD with L2, deterministic (fixed seed, fixed order per epoch). Each group
 * weighs the same in total, so the 200 near-duplicate jailbreak templates do not outweigh the 8
 * tool-abuse rows; classes are balanced the same way.
 */
export function trainModel(rows: readonly TrainRow[], opts: { epochs?: number; lr?: number; l2?: number; seed?: number } = {}): InjectionModel {
  const epochs = opts.epochs ?? 12;
  const lr0 = opts.lr ?? 2;
  const l2 = opts.l2 ?? 1e-5;
  const weights = new Float32Array(1 << FEATURE_BITS);
  const model: InjectionModel = { bias: 0, weights };
  const feats = rows.map((r) => featuresOf(r.text, r.indirect));
  const groupSize = new Map<string, number>();
  for (const r of rows) groupSize.set(`${r.injection}:${r.group}`, (groupSize.get(`${r.injection}:${r.group}`) ?? 0) + 1);
  const groupsPerClass = (inj: boolean) => [...groupSize.keys()].filter((k) => k.startsWith(`${inj}:`)).length;
  const gPos = groupsPerClass(true);
  const gNeg = groupsPerClass(false);
  // Per-row weight: 1/sqrt(group size) (damps duplicates without silencing big groups), class-balanced.
  const rowW = rows.map((r) => 1 / Math.sqrt(groupSize.get(`${r.injection}:${r.group}`)!) / (r.injection ? gPos : gNeg));
  const mean = rowW.reduce((a, b) => a + b, 0) / rowW.length;
  for (let i = 0; i < rowW.length; i++) rowW[i]! /= mean;
  const order = rows.map((_, i) => i);
  const rand = rng(opts.seed ?? 20261206);
  for (let e = 0; e < epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const lr = lr0 / (1 + e);
    for (const i of order) {
      const f = feats[i]!;
      const y = rows[i]!.injection ? 1 : 0;
      const g = (predict(model, f) - y) * rowW[i]!;
      const norm = 1 / Math.sqrt(Math.max(1, f.length));
      model.bias -= lr * g * 0.1;
      for (const k of f) weights[k] = weights[k]! * (1 - lr * l2) - lr * g * norm;
    }
  }
  return model;
}
