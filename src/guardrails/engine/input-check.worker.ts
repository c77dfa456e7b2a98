import type { GuardrailPolicyConfig } from '../guardrail-policy.schemas';
import { checkText } from './check-text';
import { compilePolicy, type CompiledPolicy } from './compile-policy';
import type { CheckTextOptions, GuardrailDirection, Verdict } from './guardrail-engine.types';

/** One text to check in a worker thread: the policy travels as its configuration (plain data) with a key. */
export interface InputCheckTask {
  /** Identifies one compiled policy (one configuration): the worker compiles each key once. */
  policyKey: number;
  config: GuardrailPolicyConfig;
  direction: GuardrailDirection;
  text: string;
  opts: CheckTextOptions;
}

/** Policies compiled in this worker, by key (the newest few: a policy change makes a new key). */
const compiled = new Map<number, CompiledPolicy>();
const MAX_POLICIES = 64;

/** The worker's task (piscina calls it by name): `checkText` on the worker's compiled copy of the policy. */
export function checkInput(task: InputCheckTask): Verdict {
  let policy = compiled.get(task.policyKey);
  if (!policy) {
    policy = compilePolicy(task.config);
    if (compiled.size >= MAX_POLICIES) compiled.delete(compiled.keys().next().value!);
    compiled.set(task.policyKey, policy);
  }
  return checkText(policy, task.direction, task.text, task.opts);
}
