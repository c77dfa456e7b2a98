import { MigrationInterface, QueryRunner } from "typeorm";

export class Alerts1795596066052 implements MigrationInterface {
    name = 'Alerts1795596066052'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "alert_rules" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "metric" text NOT NULL,
                "condition" jsonb NOT NULL,
                "window" text NOT NULL,
                "enabled" boolean NOT NULL DEFAULT true,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_ae580564f087ffab9d229225aec" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_alert_rules_name" ON "alert_rules" ("name")
        `);
        await queryRunner.query(`
            CREATE TABLE "alert_events" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "rule_id" uuid NOT NULL,
                "fired_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "value" double precision NOT NULL,
                "baseline" double precision,
                "message" text NOT NULL,
                "details" jsonb,
                CONSTRAINT "PK_f8dd833a0534d3a01e8d01e3bca" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_alert_events_rule" ON "alert_events" ("rule_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_alert_events_fired_at_id" ON "alert_events" ("fired_at", "id")
        `);
        await queryRunner.query(`
            ALTER TABLE "alert_events"
            ADD CONSTRAINT "fk_alert_events_rule" FOREIGN KEY ("rule_id") REFERENCES "alert_rules"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "alert_events" DROP CONSTRAINT "fk_alert_events_rule"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_alert_events_fired_at_id"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_alert_events_rule"
        `);
        await queryRunner.query(`
            DROP TABLE "alert_events"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_alert_rules_name"
        `);
        await queryRunner.query(`
            DROP TABLE "alert_rules"
        `);
    }

}
