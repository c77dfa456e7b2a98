import { MigrationInterface, QueryRunner } from "typeorm";

export class EvalRuns1796571486741 implements MigrationInterface {
    name = 'EvalRuns1796571486741'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "eval_runs" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "eval_set_id" uuid NOT NULL,
                "prompt" text NOT NULL,
                "prompt_version" integer NOT NULL,
                "prompt_version_id" uuid NOT NULL,
                "label" text,
                "model_id" text NOT NULL,
                "requested_model_id" text,
                "status" text NOT NULL,
                "error" text,
                "case_count" integer NOT NULL,
                "done_count" integer NOT NULL DEFAULT '0',
                "passed_count" integer NOT NULL DEFAULT '0',
                "score_sum" double precision NOT NULL DEFAULT '0',
                "cost_micros" bigint NOT NULL DEFAULT '0',
                "judge_cost_micros" bigint NOT NULL DEFAULT '0',
                "judge_ms" double precision NOT NULL DEFAULT '0',
                "set_hash" text NOT NULL,
                "created_by" text,
                "owner" text,
                "heartbeat" TIMESTAMP WITH TIME ZONE,
                "resumes" integer NOT NULL DEFAULT '0',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "started_at" TIMESTAMP WITH TIME ZONE,
                "finished_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_101cbfa3f6228653c22118190b6" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_eval_runs_reuse" ON "eval_runs" (
                "prompt_version_id",
                "set_hash",
                "requested_model_id"
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_eval_runs_status" ON "eval_runs" ("status")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_eval_runs_prompt_created_at" ON "eval_runs" ("prompt", "created_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_eval_runs_set_created_at" ON "eval_runs" ("eval_set_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE TABLE "eval_results" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "run_id" uuid NOT NULL,
                "case_id" uuid NOT NULL,
                "position" integer NOT NULL,
                "output" text,
                "trace_id" uuid,
                "scores" jsonb NOT NULL,
                "passed" boolean NOT NULL,
                "score" double precision NOT NULL,
                "judge_score" double precision,
                "judge_reason" text,
                "human_score" double precision,
                "error" text,
                "cost_micros" bigint NOT NULL DEFAULT '0',
                "judge_cost_micros" bigint NOT NULL DEFAULT '0',
                "latency_ms" double precision,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_36ac6f7b3237bf9555d6aea6ccb" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_eval_results_case" ON "eval_results" ("case_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_eval_results_run_position" ON "eval_results" ("run_id", "position")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_eval_results_run_case" ON "eval_results" ("run_id", "case_id")
        `);
        await queryRunner.query(`
            ALTER TABLE "label_moves"
            ADD "eval_run_id" uuid
        `);
        await queryRunner.query(`
            ALTER TABLE "eval_cases"
            ADD "threshold" double precision
        `);
        await queryRunner.query(`
            ALTER TABLE "traces"
            ADD "source" text NOT NULL DEFAULT 'PRODUCTION'
        `);
        await queryRunner.query(`
            ALTER TABLE "traces"
            ADD "eval_run_id" uuid
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_traces_eval_run_id" ON "traces" ("eval_run_id")
        `);
        await queryRunner.query(`
            ALTER TABLE "eval_runs"
            ADD CONSTRAINT "fk_eval_runs_eval_set" FOREIGN KEY ("eval_set_id") REFERENCES "eval_sets"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "eval_results"
            ADD CONSTRAINT "fk_eval_results_run" FOREIGN KEY ("run_id") REFERENCES "eval_runs"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "eval_results"
            ADD CONSTRAINT "fk_eval_results_case" FOREIGN KEY ("case_id") REFERENCES "eval_cases"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "eval_results" DROP CONSTRAINT "fk_eval_results_case"
        `);
        await queryRunner.query(`
            ALTER TABLE "eval_results" DROP CONSTRAINT "fk_eval_results_run"
        `);
        await queryRunner.query(`
            ALTER TABLE "eval_runs" DROP CONSTRAINT "fk_eval_runs_eval_set"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_traces_eval_run_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "traces" DROP COLUMN "eval_run_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "traces" DROP COLUMN "source"
        `);
        await queryRunner.query(`
            ALTER TABLE "eval_cases" DROP COLUMN "threshold"
        `);
        await queryRunner.query(`
            ALTER TABLE "label_moves" DROP COLUMN "eval_run_id"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_eval_results_run_case"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_eval_results_run_position"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_eval_results_case"
        `);
        await queryRunner.query(`
            DROP TABLE "eval_results"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_eval_runs_set_created_at"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_eval_runs_prompt_created_at"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_eval_runs_status"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_eval_runs_reuse"
        `);
        await queryRunner.query(`
            DROP TABLE "eval_runs"
        `);
    }

}
