import { MigrationInterface, QueryRunner } from "typeorm";

export class Budgets1795596032763 implements MigrationInterface {
    name = 'Budgets1795596032763'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "budgets" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "scope" text NOT NULL,
                "scope_value" text,
                "period" text NOT NULL,
                "limit_micros" bigint NOT NULL,
                "alert_thresholds" jsonb NOT NULL DEFAULT '[]',
                "on_exceed" text NOT NULL,
                "downgrade_model_id" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_9c8a51748f82387644b773da482" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_budgets_name" ON "budgets" ("name")
        `);
        await queryRunner.query(`
            CREATE TABLE "budget_periods" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "budget_id" uuid NOT NULL,
                "period_start" TIMESTAMP WITH TIME ZONE NOT NULL,
                "period_end" TIMESTAMP WITH TIME ZONE,
                "limit_micros" bigint NOT NULL,
                "spent_micros" bigint NOT NULL DEFAULT '0',
                "reserved_micros" bigint NOT NULL DEFAULT '0',
                CONSTRAINT "PK_cac28b2d57fcd6c7ecab7a3e803" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_budget_periods_budget_start" ON "budget_periods" ("budget_id", "period_start")
        `);
        await queryRunner.query(`
            CREATE TABLE "budget_holds" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "budget_period_id" uuid NOT NULL,
                "request_id" text NOT NULL,
                "amount_micros" bigint NOT NULL,
                "actual_micros" bigint,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "settled_at" TIMESTAMP WITH TIME ZONE,
                "outcome" text,
                CONSTRAINT "PK_5685cf113c8bf547427abf4a2c0" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_budget_holds_open_expires" ON "budget_holds" ("expires_at")
            WHERE "settled_at" IS NULL
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_budget_holds_period" ON "budget_holds" ("budget_period_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_budget_holds_request" ON "budget_holds" ("request_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "budget_threshold_crossings" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "budget_period_id" uuid NOT NULL,
                "threshold" double precision NOT NULL,
                "crossed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_048714eb0a6ebe621f60fa69b81" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_budget_threshold_crossings_period_threshold" ON "budget_threshold_crossings" ("budget_period_id", "threshold")
        `);
        await queryRunner.query(`
            ALTER TABLE "budget_periods"
            ADD CONSTRAINT "fk_budget_periods_budget" FOREIGN KEY ("budget_id") REFERENCES "budgets"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "budget_holds"
            ADD CONSTRAINT "fk_budget_holds_period" FOREIGN KEY ("budget_period_id") REFERENCES "budget_periods"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "budget_threshold_crossings"
            ADD CONSTRAINT "fk_budget_threshold_crossings_period" FOREIGN KEY ("budget_period_id") REFERENCES "budget_periods"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "budget_threshold_crossings" DROP CONSTRAINT "fk_budget_threshold_crossings_period"
        `);
        await queryRunner.query(`
            ALTER TABLE "budget_holds" DROP CONSTRAINT "fk_budget_holds_period"
        `);
        await queryRunner.query(`
            ALTER TABLE "budget_periods" DROP CONSTRAINT "fk_budget_periods_budget"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_budget_threshold_crossings_period_threshold"
        `);
        await queryRunner.query(`
            DROP TABLE "budget_threshold_crossings"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_budget_holds_request"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_budget_holds_period"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_budget_holds_open_expires"
        `);
        await queryRunner.query(`
            DROP TABLE "budget_holds"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_budget_periods_budget_start"
        `);
        await queryRunner.query(`
            DROP TABLE "budget_periods"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_budgets_name"
        `);
        await queryRunner.query(`
            DROP TABLE "budgets"
        `);
    }

}
