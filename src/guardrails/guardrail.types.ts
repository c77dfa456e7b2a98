import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';

import { GuardrailDirection } from '../core/guardrail-direction';

/** Which side of the model a text is on (GraphQL `GuardrailDirection`; defined in `core/`). */
export { GuardrailDirection };
registerEnumType(GuardrailDirection, { name: 'GuardrailDirection', description: 'INPUT: what goes to the model; OUTPUT: what comes back.' });

/** The outcome of a check (GraphQL `GuardrailAction`). */
export enum GuardrailAction {
  NONE = 'NONE',
  ANONYMIZED = 'ANONYMIZED',
  BLOCKED = 'BLOCKED',
}
registerEnumType(GuardrailAction, { name: 'GuardrailAction' });

/** One thing a check found (GraphQL `GuardrailFinding`); mirrors the engine's `Finding`. */
@ObjectType()
export class GuardrailFinding {
  @Field({ description: 'PII, TOPIC, WORD, PROMPT_INJECTION or CONTENT.' })
  kind!: string;

  @Field({ description: 'PII type, topic name, matched word, injection signal or content category.' })
  name!: string;

  @Field(() => GuardrailAction)
  action!: GuardrailAction;

  @Field(() => String, { nullable: true })
  match?: string;

  @Field(() => Int, { nullable: true, description: 'Start offset (UTF-16 code units) in the checked text.' })
  start?: number;

  @Field(() => Int, { nullable: true, description: 'End offset (exclusive).' })
  end?: number;

  @Field(() => Float, { nullable: true, description: 'Detector confidence in 0..1.' })
  score?: number;

  @Field(() => String, { nullable: true, description: 'The context chunk or other origin of the text.' })
  source?: string;
}

/** The result of checking one text (GraphQL `GuardrailVerdict`). */
@ObjectType()
export class GuardrailVerdict {
  @Field(() => GuardrailAction)
  action!: GuardrailAction;

  @Field({ description: 'The anonymized text when ANONYMIZED, else the text as checked.' })
  text!: string;

  @Field(() => [GuardrailFinding])
  findings!: GuardrailFinding[];
}
