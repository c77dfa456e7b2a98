import { Field, InputType } from 'type-graphql';

/** Create or replace an eval schedule. On update, omitted `enabled` keeps its value; `startAt` moves the next run. */
@InputType({ description: 'A scheduled re-run of an eval set on the version under a prompt label.' })
export class EvalScheduleInput {
  @Field({ description: 'Unique name.' })
  name!: string;

  @Field({ description: 'An existing eval set.' })
  evalSet!: string;

  @Field({ description: 'An existing prompt.' })
  prompt!: string;

  @Field(() => String, { nullable: true, description: 'The label whose version is run; default production.' })
  label?: string | null;

  @Field(() => String, { nullable: true, description: 'Run every case on this model; default: routing decides.' })
  modelId?: string | null;

  @Field({ description: 'The interval: a whole number and a unit s, m, h or d ("6h", "1d"); at least EVAL_SCHEDULE_MIN_INTERVAL_SECONDS, at most 366 days.' })
  every!: string;

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  enabled?: boolean | null;

  @Field(() => Date, { nullable: true, description: 'When the next run is due; default now on create (the first run comes at the next scheduler tick), unchanged on update.' })
  startAt?: Date | null;
}
