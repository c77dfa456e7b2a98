import { compilePolicy } from '../../src/guardrails/engine';
import type { ActivePolicy } from '../../src/guardrails';
import { parseGuardrailPolicyConfig } from '../../src/guardrails/guardrail-policy.schemas';

/** A deterministic generator (a linear congruential one): random-looking, reproducible chunkings. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `text` cut into chunks of 1 to 40 characters (short ones 30% of the time), as model deltas come. */
export function modelChunks(text: string, r: () => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length;) {
    const n = 1 + Math.floor(r() * (r() < 0.3 ? 4 : 40));
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

/** An active policy named `name` from a guardrail policy config, as the pipeline holds it. */
export function activePolicy(name: string, config: unknown): ActivePolicy {
  return {
    id: `id-${name}`,
    name,
    blockedMessage: `blocked by ${name}`,
    onContextInjection: 'DROP',
    compiled: compilePolicy(parseGuardrailPolicyConfig(config)),
  };
}
