import { Field, Float, InputType, Int } from 'type-graphql';
import { PromptRole } from './prompt.types';

@InputType()
export class CreatePromptInput {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;
}

@InputType()
export class PromptMessageInput {
  @Field(() => PromptRole)
  role!: PromptRole;

  @Field({ description: 'May hold {{variable}} slots.' })
  content!: string;
}

@InputType({ description: 'maxTokens 1..200000, temperature and topP 0..1, at most 4 stop sequences.' })
export class ModelParamsInput {
  @Field(() => Int, { nullable: true })
  maxTokens?: number | null;

  @Field(() => Float, { nullable: true })
  temperature?: number | null;

  @Field(() => Float, { nullable: true })
  topP?: number | null;

  @Field(() => [String], { nullable: true })
  stopSequences?: string[] | null;
}

@InputType()
export class CreatePromptVersionInput {
  @Field({ description: 'The prompt name.' })
  prompt!: string;

  @Field(() => String, { nullable: true, description: 'May hold {{variable}} slots.' })
  system?: string | null;

  @Field(() => [PromptMessageInput], { nullable: true })
  messages?: PromptMessageInput[] | null;

  @Field(() => String, { nullable: true })
  modelId?: string | null;

  @Field(() => ModelParamsInput, { nullable: true })
  params?: ModelParamsInput | null;

  @Field(() => String, { nullable: true })
  commitMessage?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Let the response cache share answers of this version across API keys (default false).' })
  shareable?: boolean | null;
}

@InputType({ description: 'Promote only if an eval run of the version on this set scores at least minScore.' })
export class EvalGateInput {
  @Field()
  evalSet!: string;

  @Field(() => Float)
  minScore!: number;

  @Field(() => String, { nullable: true, description: 'Run the cases on this model (default: routed as in production).' })
  modelId?: string | null;

  @Field(() => Float, { nullable: true, description: 'Also require at least this share of cases passed (0..1).' })
  minPassRate?: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Also refuse when the score is lower by more than this than the score of the version the label points at now (evaluated on the same set).',
  })
  maxRegression?: number | null;
}

@InputType()
export class PromoteInput {
  @Field({ description: 'The prompt name.' })
  prompt!: string;

  @Field(() => Int)
  version!: number;

  @Field({ description: 'Lowercase label name; `latest` is implicit and cannot be set.' })
  label!: string;

  @Field(() => EvalGateInput, { nullable: true })
  gate?: EvalGateInput | null;
}
