import { MigrationInterface, QueryRunner } from "typeorm";

export class Traces1795595909409 implements MigrationInterface {
    name = 'Traces1795595909409'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "traces" (
                "id" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "prompt" text,
                "prompt_version" integer,
                "label" text,
                "model_id" text,
                "routed_by" text,
                "route_rule" text,
                "user" text,
                "session_id" text,
                "api_key" text,
                "tags" text array NOT NULL DEFAULT '{}',
                "status" text NOT NULL,
                "error_code" text,
                "stop_reason" text,
                "cached" boolean NOT NULL DEFAULT false,
                "request" jsonb NOT NULL,
                "assembled_prompt" jsonb NOT NULL,
                "output" text,
                "input_tokens" integer,
                "output_tokens" integer,
                "cache_read_tokens" integer,
                "cache_write_tokens" integer,
                "stage_system_tokens" integer,
                "stage_context_tokens" integer,
                "stage_history_tokens" integer,
                "stage_input_tokens" integer,
                "stage_output_tokens" integer,
                "cost_micros" bigint NOT NULL DEFAULT '0',
                "cost_system_micros" bigint,
                "cost_context_micros" bigint,
                "cost_history_micros" bigint,
                "cost_input_micros" bigint,
                "cost_output_micros" bigint,
                "cost_cache_read_micros" bigint,
                "cost_cache_write_micros" bigint,
                "saved_micros" bigint NOT NULL DEFAULT '0',
                "latency_ms" double precision,
                "ttft_ms" double precision,
                "guardrail_events" jsonb NOT NULL DEFAULT '[]',
                "spans" jsonb NOT NULL DEFAULT '[]',
                CONSTRAINT "PK_a28bd8d9b09a77802bb18fbc2f5" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_traces_user_created_at" ON "traces" ("user", "created_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_traces_api_key_created_at" ON "traces" ("api_key", "created_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_traces_model_id_created_at" ON "traces" ("model_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_traces_prompt_created_at" ON "traces" ("prompt", "created_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_traces_created_at_id" ON "traces" ("created_at", "id")
        `);
        // GIN for the tags overlap filter (`tags && $1`); TypeORM cannot declare it, the entity marks it unsynchronized.
        await queryRunner.query(`
            CREATE INDEX "ix_traces_tags" ON "traces" USING gin ("tags")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."ix_traces_tags"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_traces_created_at_id"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_traces_prompt_created_at"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_traces_model_id_created_at"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_traces_api_key_created_at"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_traces_user_created_at"
        `);
        await queryRunner.query(`
            DROP TABLE "traces"
        `);
    }

}
