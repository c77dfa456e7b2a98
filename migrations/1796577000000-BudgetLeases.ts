import { MigrationInterface, QueryRunner } from "typeorm";

export class BudgetLeases1796577000000 implements MigrationInterface {
    name = 'BudgetLeases1796577000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "budget_leases" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "budget_period_id" uuid NOT NULL,
                "holder" text NOT NULL,
                "amount_micros" bigint NOT NULL DEFAULT '0',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "released_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_83a0ceb5bab5c401b3a3a6e8739" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_budget_leases_open_expires" ON "budget_leases" ("expires_at")
            WHERE "released_at" IS NULL
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_budget_leases_period" ON "budget_leases" ("budget_period_id")
        `);
        await queryRunner.query(`
            ALTER TABLE "budget_periods"
            ADD "leased_micros" bigint NOT NULL DEFAULT '0'
        `);
        await queryRunner.query(`
            ALTER TABLE "budget_leases"
            ADD CONSTRAINT "fk_budget_leases_period" FOREIGN KEY ("budget_period_id") REFERENCES "budget_periods"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "budget_leases" DROP CONSTRAINT "fk_budget_leases_period"
        `);
        await queryRunner.query(`
            ALTER TABLE "budget_periods" DROP COLUMN "leased_micros"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_budget_leases_period"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_budget_leases_open_expires"
        `);
        await queryRunner.query(`
            DROP TABLE "budget_leases"
        `);
    }

}
