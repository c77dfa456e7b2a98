import { MigrationInterface, QueryRunner } from "typeorm";

export class ModelPrices1795596352056 implements MigrationInterface {
    name = 'ModelPrices1795596352056'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "model_price_overrides" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "model_id" text NOT NULL,
                "input_usd_per_mtok" numeric(14, 6) NOT NULL,
                "output_usd_per_mtok" numeric(14, 6) NOT NULL,
                "cache_read_usd_per_mtok" numeric(14, 6),
                "cache_write_usd_per_mtok" numeric(14, 6),
                "updated_by" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_5dbee20f255091e82b4cdbe1a6d" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_model_price_overrides_model_id" ON "model_price_overrides" ("model_id")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."uq_model_price_overrides_model_id"
        `);
        await queryRunner.query(`
            DROP TABLE "model_price_overrides"
        `);
    }

}
