import type { TestApp } from './test-app';

/**
 * A prompt `name` (one version on Nova Lite with a fixed system line, labelled production) and a
 * guardrail policy on it: `policy` plus `prompts: [name]`. The guardrail e2e tests' common setup.
 */
export async function createGuardedPrompt(t: Pick<TestApp, 'mustGql'>, name: string, policy: Record<string, unknown>): Promise<void> {
  await t.mustGql('mutation($n: String!) { createPrompt(input: { name: $n }) { id } }', { n: name });
  await t.mustGql('mutation($n: String!) { createPromptVersion(input: { prompt: $n, system: "You are helpful.", modelId: "amazon.nova-lite-v1:0" }) { number } }', { n: name });
  await t.mustGql('mutation($n: String!) { promotePromptVersion(input: { prompt: $n, version: 1, label: "production" }) { promoted } }', { n: name });
  await t.mustGql('mutation($p: GuardrailPolicyInput!) { createGuardrailPolicy(input: $p) { id } }', { p: { prompts: [name], ...policy } });
}
