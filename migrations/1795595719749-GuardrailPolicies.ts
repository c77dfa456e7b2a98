import { MigrationInterface, QueryRunner } from "typeorm";

export class GuardrailPolicies1795595719749 implements MigrationInterface {
    name = 'GuardrailPolicies1795595719749'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "guardrail_policies" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "enabled" boolean NOT NULL,
                "applies_to" text array NOT NULL,
                "prompts" text array NOT NULL,
                "denied_topics" jsonb NOT NULL,
                "pii" jsonb NOT NULL,
                "word_filters" jsonb NOT NULL,
                "prompt_injection" jsonb NOT NULL,
                "content_categories" jsonb NOT NULL,
                "bedrock_guardrail" jsonb,
                "blocked_message" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_aedc59ed859e580df82b9ee84a7" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_guardrail_policies_name" ON "guardrail_policies" ("name")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."uq_guardrail_policies_name"
        `);
        await queryRunner.query(`
            DROP TABLE "guardrail_policies"
        `);
    }

}
