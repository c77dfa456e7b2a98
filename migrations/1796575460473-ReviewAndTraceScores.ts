import { MigrationInterface, QueryRunner } from "typeorm";

export class ReviewAndTraceScores1796575460473 implements MigrationInterface {
    name = 'ReviewAndTraceScores1796575460473'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "trace_scores" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "trace_id" uuid NOT NULL,
                "name" text NOT NULL,
                "source" text NOT NULL,
                "score" double precision NOT NULL,
                "passed" boolean,
                "reason" text,
                "evaluator" text,
                "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_26fbc8ef698eeecbca8961adc60" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_trace_scores_trace" ON "trace_scores" ("trace_id", "at")
        `);
        await queryRunner.query(`
            CREATE TABLE "review_items" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "kind" text NOT NULL,
                "trace_id" uuid,
                "eval_result_id" uuid,
                "eval_set" text,
                "prompt" text,
                "input" text,
                "output" text,
                "context" jsonb,
                "judge_score" double precision,
                "judge_reason" text,
                "human_score" double precision,
                "label" text,
                "comment" text,
                "reviewed_by" text,
                "reviewed_at" TIMESTAMP WITH TIME ZONE,
                "claimed_by" text,
                "claimed_until" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_417e5a69fd5f01f31e3c0303dfe" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_review_items_eval_result" ON "review_items" ("eval_result_id")
            WHERE eval_result_id IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_review_items_trace" ON "review_items" ("trace_id")
            WHERE kind = 'TRACE'
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_review_items_queue" ON "review_items" ("created_at", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "review_sampler" (
                "source" text NOT NULL,
                "watermark" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_b273a92af8ea6160d89f99e6412" PRIMARY KEY ("source")
            )
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP TABLE "review_sampler"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_review_items_queue"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_review_items_trace"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_review_items_eval_result"
        `);
        await queryRunner.query(`
            DROP TABLE "review_items"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_trace_scores_trace"
        `);
        await queryRunner.query(`
            DROP TABLE "trace_scores"
        `);
    }

}
