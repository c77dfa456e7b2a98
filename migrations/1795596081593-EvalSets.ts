import { MigrationInterface, QueryRunner } from "typeorm";

export class EvalSets1795596081593 implements MigrationInterface {
    name = 'EvalSets1795596081593'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "eval_cases" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "eval_set_id" uuid NOT NULL,
                "variables" jsonb NOT NULL DEFAULT '{}',
                "messages" jsonb NOT NULL DEFAULT '[]',
                "input" text,
                "context" jsonb NOT NULL DEFAULT '[]',
                "expected" text,
                "assertions" jsonb NOT NULL,
                "tags" text array NOT NULL DEFAULT '{}',
                "position" integer NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_60b8e031fc08154aaf0c38f4d34" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_eval_cases_set_position" ON "eval_cases" ("eval_set_id", "position")
        `);
        await queryRunner.query(`
            CREATE TABLE "eval_sets" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "description" text,
                "rubric" text,
                "judge_model_id" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_22c29191446050796655399ccb7" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_eval_sets_name" ON "eval_sets" ("name")
        `);
        await queryRunner.query(`
            ALTER TABLE "eval_cases"
            ADD CONSTRAINT "fk_eval_cases_eval_set" FOREIGN KEY ("eval_set_id") REFERENCES "eval_sets"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "eval_cases" DROP CONSTRAINT "fk_eval_cases_eval_set"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_eval_sets_name"
        `);
        await queryRunner.query(`
            DROP TABLE "eval_sets"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_eval_cases_set_position"
        `);
        await queryRunner.query(`
            DROP TABLE "eval_cases"
        `);
    }

}
