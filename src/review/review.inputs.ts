import { Field, Float, ID, InputType, ObjectType, Int } from 'type-graphql';

@InputType()
export class ReviewInput {
  @Field(() => ID, { description: 'The ReviewItem id.' })
  item!: string;

  @Field(() => Float, { description: '0..1; 0.5 and above is a pass.' })
  score!: number;

  @Field(() => String, { nullable: true, description: 'A short category, e.g. "hallucination" (at most 100 characters).' })
  label?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 4000 characters.' })
  comment?: string | null;
}

@ObjectType()
export class JudgeAgreementBucket {
  @Field()
  bucket!: Date;

  @Field(() => Int)
  n!: number;

  @Field(() => Number, { nullable: true })
  agreement!: number | null;

  @Field(() => Number, { nullable: true })
  cohensKappa!: number | null;

  @Field(() => Number, { nullable: true })
  pearson!: number | null;
}

@ObjectType({ description: 'How the LLM judge agrees with people, over items with both scores (docs/review.md has the formulas).' })
export class JudgeAgreement {
  @Field(() => Int)
  n!: number;

  @Field(() => Number, { nullable: true, description: 'Share of items where judge and person agree on pass/fail (pass: score >= 0.5).' })
  agreement!: number | null;

  @Field(() => Number, { nullable: true, description: "Cohen's kappa on that pass/fail; null when chance agreement is 1." })
  cohensKappa!: number | null;

  @Field(() => Number, { nullable: true, description: 'Pearson correlation of the raw scores; null under 2 items or without variation.' })
  pearson!: number | null;

  @Field(() => [JudgeAgreementBucket], { description: 'The same per time bucket (with the bucket argument), oldest first.' })
  buckets!: JudgeAgreementBucket[];
}
