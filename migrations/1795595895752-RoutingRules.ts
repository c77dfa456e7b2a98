import { MigrationInterface, QueryRunner } from "typeorm";

export class RoutingRules1795595895752 implements MigrationInterface {
    name = 'RoutingRules1795595895752'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "routing_rules" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "priority" integer NOT NULL,
                "enabled" boolean NOT NULL DEFAULT true,
                "condition" jsonb NOT NULL,
                "target_model_id" text NOT NULL,
                "fallback_model_ids" text array NOT NULL DEFAULT '{}',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_b744c5cc71053ea4d3fc8a860c2" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_routing_rules_name" ON "routing_rules" ("name")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_routing_rules_priority_name" ON "routing_rules" ("priority", "name")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."ix_routing_rules_priority_name"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_routing_rules_name"
        `);
        await queryRunner.query(`
            DROP TABLE "routing_rules"
        `);
    }

}
