import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import type { DataSource } from 'typeorm';
import { validateTraceRecord, writeTraceBatch, type TraceRecord, type WrittenRecord } from '../../../src/traces';
import { COPY_TRACES_BINARY_SQL, COPY_TRACES_SQL, copyBinary, copyLine } from '../../../src/traces/trace-copy';
import { canCopy, insertTracesSql } from '../../../src/traces/trace-writer';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { clearTraceTables } from '../../helpers/trace-tables';
import { traceRecord } from '../../fixtures/traces';

/** Every character COPY's text format or a PostgreSQL array literal treats specially, and some that JSON escapes. */
const HOSTILE = 'tab\there; newline\nthere; CR\r; backslash \\ and \\N and \\t; quotes " \' ; comma, braces {} ; NUL \u0000 ; U+2028 \u2028 ; emoji 🎉';

function hostileRecords(): TraceRecord[] {
  return [
    traceRecord({
      prompt: HOSTILE,
      label: '\\N',
      user: 'NULL',
      sessionId: '',
      apiKey: 'key\twith\ttabs',
      tags: [HOSTILE, '', 'NULL', '"', '\\', 'a,b', '{x}'],
      request: { prompt: HOSTILE, input: HOSTILE, variables: { [HOSTILE]: HOSTILE, nested: { list: [HOSTILE, 1.5, null, true] } }, tags: [HOSTILE] },
      output: `${HOSTILE}\n\\.\n`,
      latencyMs: 0.000123,
      ttftMs: 1e21,
      otelTraceId: '0123456789abcdef0123456789abcdef',
      guardrailEvents: [{ direction: 'OUTPUT', action: 'ANONYMIZED', policy: HOSTILE, findings: [{ kind: 'PII', name: 'EMAIL', action: 'ANONYMIZED', match: HOSTILE, start: 0, end: 3 }] }],
    }),
    // Nulls and defaults everywhere they are allowed.
    { id: randomUUID(), status: 'FAILED', request: { prompt: 'p' }, errorCode: 'PROVIDER_ERROR' },
    traceRecord({ cached: true, evalRunId: randomUUID(), source: 'EVAL', usage: null, costByStage: null, costMicros: 0, assembledPrompt: null, tags: ['plain'] }),
    // Numbers at the edges of their binary forms: int8 past 2^32 and 2^50, -0 (stored 0), a time before 2000.
    traceRecord({ costByStage: null, costMicros: 2 ** 50 + 3, savedMicros: 2 ** 32 + 1, latencyMs: -0, ttftMs: 2 ** -30, createdAt: new Date('1999-12-31T23:59:59.999Z') }),
  ];
}

const valid = (r: TraceRecord, at: Date): WrittenRecord => {
  const v = validateTraceRecord(r);
  if (!v.ok) throw new Error(v.error);
  return { record: v.value, at };
};

describe('COPY of a trace batch', () => {
  it('stores every value exactly as the INSERT path stores the same record (hostile text, arrays, JSON, nulls)', async () => {
    // A standalone PGlite with the `traces` columns and key: both statements target it as they target the service's table.
    const db = await PGlite.create();
    try {
      await db.exec(`CREATE TABLE traces (
        id uuid NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), prompt text, prompt_version int, label text, model_id text, routed_by text,
        route_rule text, "user" text, session_id text, api_key text, tags text[] NOT NULL DEFAULT '{}', status text NOT NULL, error_code text,
        stop_reason text, cached boolean NOT NULL DEFAULT false, request jsonb NOT NULL, assembled_prompt jsonb NOT NULL, output text,
        input_tokens int, output_tokens int, cache_read_tokens int, cache_write_tokens int, stage_system_tokens int, stage_context_tokens int,
        stage_history_tokens int, stage_input_tokens int, stage_output_tokens int, cost_micros bigint NOT NULL DEFAULT 0, cost_system_micros bigint,
        cost_context_micros bigint, cost_history_micros bigint, cost_input_micros bigint, cost_output_micros bigint, cost_cache_read_micros bigint,
        cost_cache_write_micros bigint, saved_micros bigint NOT NULL DEFAULT 0, latency_ms float8, ttft_ms float8,
        guardrail_events jsonb NOT NULL DEFAULT '[]', spans jsonb NOT NULL DEFAULT '[]', source text NOT NULL DEFAULT 'PRODUCTION',
        eval_run_id uuid, otel_trace_id text, PRIMARY KEY (id, created_at))`);
      const at = new Date('2026-03-10T10:20:00.000Z');
      const records = hostileRecords();
      const twins = records.map((r) => ({ ...r, id: randomUUID() }));
      // The same records once more through COPY's binary format (what the writer sends), ids apart.
      const binaryTwins = records.map((r) => ({ ...r, id: randomUUID() }));
      const copied = records.map((r) => valid(r, at));
      await db.query(COPY_TRACES_SQL.replace('FROM STDIN', "FROM '/dev/blob'"), [], { blob: new Blob([copied.map(copyLine).join('')]) });
      await db.query(COPY_TRACES_BINARY_SQL.replace('FROM STDIN', "FROM '/dev/blob'"), [], { blob: new Blob([copyBinary(binaryTwins.map((r) => valid(r, at)))]) });
      const insert = insertTracesSql(twins.map((r) => valid(r, at)));
      await db.query(insert.sql, insert.params);
      const row = async (id: string) => (await db.query<{ row: Record<string, unknown> }>(`SELECT to_jsonb(t) - 'id' AS row FROM traces t WHERE id = $1`, [id])).rows[0]?.row;
      for (let i = 0; i < records.length; i++) {
        const viaCopy = await row(records[i]!.id);
        expect(viaCopy).toBeDefined();
        expect(viaCopy).toEqual(await row(twins[i]!.id));
        expect(await row(binaryTwins[i]!.id)).toEqual(viaCopy);
      }
      // Ids through the binary format (its 16 bytes); times are in the rows compared above.
      const [ids] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM traces WHERE id = ANY($1::uuid[])`, [binaryTwins.map((r) => r.id)])).rows;
      expect(ids!.n).toBe(records.length);
      // The hostile text came through whole (NUL replaced, as everywhere else).
      expect((await row(records[0]!.id))!.prompt).toBe(HOSTILE.replace('\u0000', '\ufffd'));
      expect((await row(records[0]!.id))!.tags).toEqual([HOSTILE.replace('\u0000', '\ufffd'), '', 'NULL', '"', '\\', 'a,b', '{x}']);
    } finally {
      await db.close();
    }
  });
});

describe('the batch write (COPY on PostgreSQL, INSERT on PGlite)', () => {
  let t: TestApp;
  let ds: DataSource;
  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.dataSource;
  });
  afterAll(() => t.close());
  beforeEach(() => clearTraceTables(ds));

  const requests = async () => Number((await ds.query(`SELECT COALESCE(sum(requests), 0)::int AS n FROM trace_rollups_hourly`))[0].n);
  const stored = async () => Number((await ds.query(`SELECT count(*)::int AS n FROM traces`))[0].n);

  it('takes COPY exactly on PostgreSQL', () => {
    expect(canCopy(ds)).toBe(Boolean(process.env.DATABASE_URL));
  });

  it('a batch replayed whole, or half of it, is stored once and rolled up once (COPY refuses it, the INSERT skips the ids already stored)', async () => {
    const at = new Date();
    const rows = Array.from({ length: 40 }, () => valid(traceRecord(), at));
    expect(await writeTraceBatch(ds, rows.slice(0, 20))).toBe(20);
    // Half old, half new: the new half counts once; then the whole batch again: nothing new.
    expect(await writeTraceBatch(ds, rows)).toBe(20);
    expect(await writeTraceBatch(ds, rows)).toBe(0);
    expect(await stored()).toBe(40);
    expect(await requests()).toBe(40);
  });

  it('a batch holding one id twice stores and counts it once', async () => {
    const row = valid(traceRecord(), new Date());
    const other = valid(traceRecord(), new Date());
    expect(await writeTraceBatch(ds, [row, other, row])).toBe(2);
    expect(await stored()).toBe(2);
    expect(await requests()).toBe(2);
  });

  it('a batch that fails keeps neither rows nor rollups (a row PostgreSQL refuses, after COPY has sent others)', async () => {
    const at = new Date();
    const rows = Array.from({ length: 600 }, () => valid(traceRecord(), at));
    // A prompt_version beyond int: validated as an integer, refused by the column.
    (rows[599]!.record as { promptVersion: number }).promptVersion = 2 ** 40;
    await expect(writeTraceBatch(ds, rows)).rejects.toThrow(/out of range/);
    expect(await stored()).toBe(0);
    expect(await requests()).toBe(0);
  });
});
