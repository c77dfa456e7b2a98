import { MigrationInterface, QueryRunner } from "typeorm";

export class Foundation1795588067979 implements MigrationInterface {
    name = 'Foundation1795588067979'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "api_keys" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "role" text NOT NULL,
                "secret_hash" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_used_at" TIMESTAMP WITH TIME ZONE,
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_api_keys_name" ON "api_keys" ("name")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_api_keys_secret_hash" ON "api_keys" ("secret_hash")
        `);
        await queryRunner.query(`
            CREATE TABLE "audit_log" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "actor" text NOT NULL,
                "action" text NOT NULL,
                "entity_type" text NOT NULL,
                "entity_id" text,
                "entity_name" text,
                "before" jsonb,
                "after" jsonb,
                "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                CONSTRAINT "PK_07fefa57f7f5ab8fc3f52b3ed0b" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_audit_log_at_id" ON "audit_log" ("at", "id")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."ix_audit_log_at_id"
        `);
        await queryRunner.query(`
            DROP TABLE "audit_log"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_api_keys_secret_hash"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_api_keys_name"
        `);
        await queryRunner.query(`
            DROP TABLE "api_keys"
        `);
    }

}
