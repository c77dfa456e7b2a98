import { MigrationInterface, QueryRunner } from "typeorm";

export class OnlineEvalsAndSchedules1796610000000 implements MigrationInterface {
    name = 'OnlineEvalsAndSchedules1796610000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "online_eval_results" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "evaluator_id" uuid NOT NULL,
                "evaluator" text NOT NULL,
                "eval_set" text,
                "prompt" text NOT NULL,
                "prompt_version" integer,
                "trace_id" uuid NOT NULL,
                "trace_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "score" double precision NOT NULL,
                "passed" boolean NOT NULL,
                "judge_score" double precision,
                "judge_reason" text,
                "judge_cost_micros" bigint NOT NULL DEFAULT '0',
                "scored_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_dd96e6ec66c603845902d7e4d5d" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_online_eval_results_set" ON "online_eval_results" ("eval_set", "trace_at")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_online_eval_results_trace" ON "online_eval_results" ("evaluator_id", "trace_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "online_evaluators" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "prompt" text NOT NULL,
                "label" text,
                "eval_set" text,
                "sample_rate" double precision NOT NULL,
                "review_sample_rate" double precision,
                "assertions" jsonb NOT NULL,
                "filter" jsonb,
                "enabled" boolean NOT NULL DEFAULT true,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_0072595e534d5a4e900dc0282bb" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_online_evaluators_name" ON "online_evaluators" ("name")
        `);
        await queryRunner.query(`
            CREATE TABLE "eval_schedules" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "eval_set" text NOT NULL,
                "prompt" text NOT NULL,
                "label" text NOT NULL,
                "model_id" text,
                "every" text NOT NULL,
                "every_seconds" integer NOT NULL,
                "enabled" boolean NOT NULL DEFAULT true,
                "next_run_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "last_fired_at" TIMESTAMP WITH TIME ZONE,
                "last_run_id" uuid,
                "last_error" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_4580838b6b4da1889ca6b48d4ca" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_eval_schedules_name" ON "eval_schedules" ("name")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_eval_schedules_due" ON "eval_schedules" ("next_run_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "eval_runs"
            ADD "schedule_id" uuid
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "eval_runs" DROP COLUMN "schedule_id"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_eval_schedules_due"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_eval_schedules_name"
        `);
        await queryRunner.query(`
            DROP TABLE "eval_schedules"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_online_evaluators_name"
        `);
        await queryRunner.query(`
            DROP TABLE "online_evaluators"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_online_eval_results_trace"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_online_eval_results_set"
        `);
        await queryRunner.query(`
            DROP TABLE "online_eval_results"
        `);
    }

}
