import { Field, ObjectType } from 'type-graphql';
import { PromptLabel } from './prompt-label.entity';

@ObjectType({ description: 'The outcome of promotePromptVersion.' })
export class PromotionResult {
  @Field({ description: 'True when the label now points at the version.' })
  promoted!: boolean;

  @Field(() => PromptLabel, { nullable: true })
  label!: PromptLabel | null;

  @Field(() => String, { nullable: true, description: 'Why the label did not move (a gate names the score and the failed cases), or why it did.' })
  reason!: string | null;

  /** The eval run a gate decided with (GraphQL `evalRun`, resolved by the evals feature). */
  evalRunId!: string | null;
}
