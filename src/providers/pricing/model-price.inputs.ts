import { Field, Float, InputType } from 'type-graphql';

@InputType({ description: 'USD per 1M tokens; at most 6 decimals. Omitted cache prices keep the catalog ones.' })
export class ModelPriceInput {
  @Field(() => Float)
  input!: number;

  @Field(() => Float)
  output!: number;

  @Field(() => Float, { nullable: true })
  cacheRead?: number | null;

  @Field(() => Float, { nullable: true })
  cacheWrite?: number | null;
}
