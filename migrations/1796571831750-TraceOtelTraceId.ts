import { MigrationInterface, QueryRunner } from "typeorm";

export class TraceOtelTraceId1796571831750 implements MigrationInterface {
    name = 'TraceOtelTraceId1796571831750'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "traces"
            ADD "otel_trace_id" text
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_traces_otel_trace_id" ON "traces" ("otel_trace_id")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."ix_traces_otel_trace_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "traces" DROP COLUMN "otel_trace_id"
        `);
    }

}
