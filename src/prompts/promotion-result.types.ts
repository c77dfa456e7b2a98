import { Field, ObjectType } from 'type-graphql';
import { PromptLabel } from './prompt-label.entity';

@ObjectType({ description: 'The outcome of promotePromptVersion.' })
export class PromotionResult {
  @Field({ description: 'True when the label now points at the version.' })
  promoted!: boolean;

  @Field(() => PromptLabel, { nullable: true })
  label!: PromptLabel | null;

  @Field(() => String, { nullable: true, description: 'Why the label did not move, or why nothing changed.' })
  reason!: string | null;
}
