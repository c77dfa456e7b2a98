import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { EvalRun } from './eval-run.entity';

@InputType({ description: 'Runs an eval set on a prompt version (by number or label; default the production label).' })
export class RunEvalInput {
  @Field()
  evalSet!: string;

  @Field({ description: 'The prompt name.' })
  prompt!: string;

  @Field(() => Int, { nullable: true })
  version?: number | null;

  @Field(() => String, { nullable: true })
  label?: string | null;

  @Field(() => String, { nullable: true, description: 'Run every case on this model (routing keeps it); default: the pipeline routes as in production.' })
  modelId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Answer with a finished run of the same version, set content and model when there is one, instead of a new run (default false).' })
  reuse?: boolean | null;
}

@ObjectType({ description: 'One case in compareEvalRuns.' })
export class CaseComparison {
  @Field(() => ID)
  caseId!: string;

  @Field(() => Int, { description: "The case's position in its set." })
  position!: number;

  @Field(() => Float, { nullable: true })
  baseScore!: number | null;

  @Field(() => Float, { nullable: true })
  candidateScore!: number | null;

  @Field(() => Float, { nullable: true, description: 'candidateScore - baseScore; negative is a regression.' })
  delta!: number | null;

  @Field(() => Boolean, { nullable: true })
  basePassed!: boolean | null;

  @Field(() => Boolean, { nullable: true })
  candidatePassed!: boolean | null;
}

@ObjectType({ description: 'Two runs of one eval set, case by case, regressions first.' })
export class EvalRunComparison {
  @Field(() => EvalRun)
  base!: EvalRun;

  @Field(() => EvalRun)
  candidate!: EvalRun;

  @Field(() => Float, { nullable: true, description: 'candidate.score - base.score.' })
  scoreDelta!: number | null;

  @Field(() => Int, { description: 'Cases whose score went down.' })
  regressions!: number;

  @Field(() => Int, { description: 'Cases whose score went up.' })
  improvements!: number;

  @Field(() => [CaseComparison], { description: 'Per case, the largest drop first.' })
  cases!: CaseComparison[];
}

@ObjectType({ description: "Eval scores per time bucket: the set's finished runs (by when each finished) and the production traces its online evaluators scored (by when each trace was made)." })
export class EvalTrendRow {
  @Field()
  bucket!: Date;

  @Field(() => Float, { nullable: true, description: 'Mean score over every item of the bucket: the cases of its runs and the scored traces.' })
  meanScore!: number | null;

  @Field(() => Float, { nullable: true, description: 'Share of those items that passed.' })
  passRate!: number | null;

  @Field(() => Int, { description: 'Items scored: offlineItems + onlineItems.' })
  items!: number;

  @Field(() => Int, { description: 'Runs that finished in the bucket.' })
  runs!: number;

  @Field(() => [Int], { description: 'The prompt versions evaluated (by runs or seen in scored traces), ascending.' })
  promptVersions!: number[];

  @Field(() => Int, { description: 'Cases scored by the runs of the bucket.' })
  offlineItems!: number;

  @Field(() => Float, { nullable: true, description: 'Mean case score of the runs alone.' })
  offlineMeanScore!: number | null;

  @Field(() => Int, { description: 'Production traces scored by online evaluators of this set.' })
  onlineItems!: number;

  @Field(() => Float, { nullable: true, description: 'Mean score of those traces alone.' })
  onlineMeanScore!: number | null;

  @Field(() => Float, { nullable: true, description: 'Share of those traces that passed every assertion.' })
  onlinePassRate!: number | null;
}
