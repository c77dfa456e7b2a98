import { MigrationInterface, QueryRunner } from "typeorm";

export class Prompts1795595814758 implements MigrationInterface {
    name = 'Prompts1795595814758'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "prompts" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "description" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_21f33798862975179e40b216a1d" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_prompts_name" ON "prompts" ("name")
        `);
        await queryRunner.query(`
            CREATE TABLE "prompt_versions" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "prompt_id" uuid NOT NULL,
                "number" integer NOT NULL,
                "system" text,
                "messages" jsonb NOT NULL,
                "variables" text array NOT NULL,
                "model_id" text,
                "params" jsonb,
                "commit_message" text,
                "created_by" text,
                "shareable" boolean NOT NULL DEFAULT false,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_5411972c2e9c63bd40530b80545" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_prompt_versions_prompt_number" ON "prompt_versions" ("prompt_id", "number")
        `);
        await queryRunner.query(`
            CREATE TABLE "prompt_labels" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "prompt_id" uuid NOT NULL,
                "name" text NOT NULL,
                "version_id" uuid NOT NULL,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_by" text,
                CONSTRAINT "PK_1542b5fda61e6054ce8533061c7" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_prompt_labels_version" ON "prompt_labels" ("version_id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_prompt_labels_prompt_name" ON "prompt_labels" ("prompt_id", "name")
        `);
        await queryRunner.query(`
            CREATE TABLE "label_moves" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "label_id" uuid NOT NULL,
                "from_version" integer,
                "to_version" integer NOT NULL,
                "kind" text NOT NULL,
                "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "moved_by" text,
                CONSTRAINT "PK_7260bc6c0132fedf160b6cc6828" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_label_moves_label_at" ON "label_moves" ("label_id", "at")
        `);
        await queryRunner.query(`
            ALTER TABLE "prompt_versions"
            ADD CONSTRAINT "fk_prompt_versions_prompt" FOREIGN KEY ("prompt_id") REFERENCES "prompts"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "prompt_labels"
            ADD CONSTRAINT "fk_prompt_labels_prompt" FOREIGN KEY ("prompt_id") REFERENCES "prompts"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "prompt_labels"
            ADD CONSTRAINT "fk_prompt_labels_version" FOREIGN KEY ("version_id") REFERENCES "prompt_versions"("id") ON DELETE NO ACTION ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "label_moves"
            ADD CONSTRAINT "fk_label_moves_label" FOREIGN KEY ("label_id") REFERENCES "prompt_labels"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        // Hand-written: versions are immutable, also against a stray UPDATE from outside the service.
        await queryRunner.query(`
            CREATE FUNCTION "prompt_versions_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'prompt versions are immutable: create a new version instead' USING ERRCODE = 'restrict_violation';
            END
            $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER "trg_prompt_versions_immutable" BEFORE UPDATE ON "prompt_versions"
            FOR EACH ROW EXECUTE FUNCTION "prompt_versions_immutable"()
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP TRIGGER "trg_prompt_versions_immutable" ON "prompt_versions"
        `);
        await queryRunner.query(`
            DROP FUNCTION "prompt_versions_immutable"()
        `);
        await queryRunner.query(`
            ALTER TABLE "label_moves" DROP CONSTRAINT "fk_label_moves_label"
        `);
        await queryRunner.query(`
            ALTER TABLE "prompt_labels" DROP CONSTRAINT "fk_prompt_labels_version"
        `);
        await queryRunner.query(`
            ALTER TABLE "prompt_labels" DROP CONSTRAINT "fk_prompt_labels_prompt"
        `);
        await queryRunner.query(`
            ALTER TABLE "prompt_versions" DROP CONSTRAINT "fk_prompt_versions_prompt"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_label_moves_label_at"
        `);
        await queryRunner.query(`
            DROP TABLE "label_moves"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_prompt_labels_prompt_name"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_prompt_labels_version"
        `);
        await queryRunner.query(`
            DROP TABLE "prompt_labels"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_prompt_versions_prompt_number"
        `);
        await queryRunner.query(`
            DROP TABLE "prompt_versions"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_prompts_name"
        `);
        await queryRunner.query(`
            DROP TABLE "prompts"
        `);
    }

}
