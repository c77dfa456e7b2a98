import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';

/** Who speaks a message of a prompt version. GraphQL name: `Role`. */
export enum PromptRole {
  USER = 'USER',
  ASSISTANT = 'ASSISTANT',
}
registerEnumType(PromptRole, { name: 'Role', description: 'The speaker of a prompt message.' });

@ObjectType({ description: 'One fixed message of a prompt version; `content` may hold {{variable}} slots.' })
export class PromptMessage {
  @Field(() => PromptRole)
  role!: PromptRole;

  @Field()
  content!: string;
}

@ObjectType({ description: 'Inference parameters a prompt version asks for.' })
export class ModelParams {
  @Field(() => Int, { nullable: true })
  maxTokens?: number | null;

  @Field(() => Float, { nullable: true })
  temperature?: number | null;

  @Field(() => Float, { nullable: true })
  topP?: number | null;

  @Field(() => [String], { nullable: true })
  stopSequences?: string[] | null;
}
