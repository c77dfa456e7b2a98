import { MigrationInterface, QueryRunner } from "typeorm";

export class AlertScheduler1796574781624 implements MigrationInterface {
    name = 'AlertScheduler1796574781624'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "alert_deliveries" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "event_id" uuid NOT NULL,
                "rule_id" uuid NOT NULL,
                "url" text NOT NULL,
                "attempt" integer NOT NULL,
                "ok" boolean NOT NULL,
                "status_code" integer,
                "error" text,
                "duration_ms" double precision NOT NULL,
                "attempted_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_b3d51c95891264fb62df41582ad" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_alert_deliveries_event" ON "alert_deliveries" ("event_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_alert_deliveries_attempted_at" ON "alert_deliveries" ("attempted_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_alert_deliveries_rule_attempted_at" ON "alert_deliveries" ("rule_id", "attempted_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "alert_rules"
            ADD "webhook_url" text
        `);
        await queryRunner.query(`
            ALTER TABLE "alert_rules"
            ADD "webhook_secret" text
        `);
        await queryRunner.query(`
            ALTER TABLE "alert_rules"
            ADD "firing" boolean NOT NULL DEFAULT false
        `);
        await queryRunner.query(`
            ALTER TABLE "alert_rules"
            ADD "evaluated_at" TIMESTAMP WITH TIME ZONE
        `);
        await queryRunner.query(`
            ALTER TABLE "alert_deliveries"
            ADD CONSTRAINT "fk_alert_deliveries_event" FOREIGN KEY ("event_id") REFERENCES "alert_events"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "alert_deliveries"
            ADD CONSTRAINT "fk_alert_deliveries_rule" FOREIGN KEY ("rule_id") REFERENCES "alert_rules"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "alert_deliveries" DROP CONSTRAINT "fk_alert_deliveries_rule"
        `);
        await queryRunner.query(`
            ALTER TABLE "alert_deliveries" DROP CONSTRAINT "fk_alert_deliveries_event"
        `);
        await queryRunner.query(`
            ALTER TABLE "alert_rules" DROP COLUMN "evaluated_at"
        `);
        await queryRunner.query(`
            ALTER TABLE "alert_rules" DROP COLUMN "firing"
        `);
        await queryRunner.query(`
            ALTER TABLE "alert_rules" DROP COLUMN "webhook_secret"
        `);
        await queryRunner.query(`
            ALTER TABLE "alert_rules" DROP COLUMN "webhook_url"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_alert_deliveries_rule_attempted_at"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_alert_deliveries_attempted_at"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_alert_deliveries_event"
        `);
        await queryRunner.query(`
            DROP TABLE "alert_deliveries"
        `);
    }

}
