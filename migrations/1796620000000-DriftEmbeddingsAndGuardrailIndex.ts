import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The drift input embedding cache (one vector per trace and embedding model), and a partial index
 * of the traces that carry a guardrail event: the alert scheduler counts those in a window from it
 * (the rest of its metrics come from the rollups) instead of scanning every trace.
 */
export class DriftEmbeddingsAndGuardrailIndex1796620000000 implements MigrationInterface {
    name = 'DriftEmbeddingsAndGuardrailIndex1796620000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "drift_input_embeddings" (
                "trace_id" uuid NOT NULL,
                "model" text NOT NULL,
                "embedding" real array NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_7bc3b534c4aa0d7ae3f47fc4fa4" PRIMARY KEY ("trace_id", "model")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_traces_guardrail_triggered" ON "traces" ("created_at") WHERE jsonb_array_length("guardrail_events") > 0
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "ix_traces_guardrail_triggered"
        `);
        await queryRunner.query(`
            DROP TABLE "drift_input_embeddings"
        `);
    }

}
