/**
 * Which side of the model a text is on: INPUT goes to the model, OUTPUT comes back. The one
 * definition, shared by the provider interface (Bedrock's ApplyGuardrail `source`), the guardrail
 * engine, the pipeline and the trace schema; registered for GraphQL by the guardrails feature.
 * A const object rather than a TS enum, so the plain strings `'INPUT'`/`'OUTPUT'` are its values too.
 */
export const GuardrailDirection = {
  INPUT: 'INPUT',
  OUTPUT: 'OUTPUT',
} as const;
export type GuardrailDirection = (typeof GuardrailDirection)[keyof typeof GuardrailDirection];
