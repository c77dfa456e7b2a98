import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType('ModelPrices', { description: 'USD per 1M tokens.' })
export class ModelPricesType {
  @Field(() => Float)
  input!: number;

  @Field(() => Float)
  output!: number;

  @Field(() => Float, { nullable: true, description: 'Null when the model has no prompt caching.' })
  cacheRead!: number | null;

  @Field(() => Float, { nullable: true, description: 'Null when the model has no prompt caching.' })
  cacheWrite!: number | null;
}

@ObjectType('ModelInfo', { description: 'A Bedrock model of the price catalog, with admin price overrides applied.' })
export class ModelInfoType {
  @Field({ description: 'The model id as sent to Bedrock (a base id, or an inference-profile id that has its own price).' })
  id!: string;

  @Field()
  name!: string;

  @Field()
  provider!: string;

  @Field({ description: '`chat` or `embedding`.' })
  kind!: string;

  @Field(() => ModelPricesType, { description: 'The prices billed: the override when one is set, else the catalog.' })
  prices!: ModelPricesType;

  @Field(() => ModelPricesType, { description: 'The prices of the built-in catalog (prices.json).' })
  catalogPrices!: ModelPricesType;

  @Field({ description: 'True when an admin override sets `prices`.' })
  priceOverridden!: boolean;

  @Field(() => Date, { nullable: true })
  priceUpdatedAt!: Date | null;

  @Field(() => String, { nullable: true })
  priceUpdatedBy!: string | null;

  @Field(() => Int)
  maxOutputTokens!: number;

  @Field(() => Int)
  contextWindow!: number;

  @Field()
  supportsPromptCaching!: boolean;

  @Field(() => Int, { nullable: true, description: 'Tokens a prompt-cache checkpoint prefix needs at least.' })
  promptCacheMinTokens!: number | null;

  @Field({ description: 'True when on-demand calls need an inference-profile id (`us.…`, `global.…`).' })
  profileOnly!: boolean;

  @Field({ description: 'True when this id can be called as is for this account and region (false for the base id of a model served only through inference profiles: use one of profileIds).' })
  available!: boolean;

  @Field(() => [String], { description: 'The inference-profile ids this model can be called through (`us.…`, `global.…`).' })
  profileIds!: string[];
}
