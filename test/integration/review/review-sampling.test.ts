import { randomUUID } from 'node:crypto';
import { openLedgerDb, type LedgerDb } from '../budgets/ledger-db';
import { ReviewService } from '../../../src/review';
import { TraceScoreService } from '../../../src/scores';

describe('review sampling and claims', () => {
  let db: LedgerDb;
  let clock: Date;
  const service = (traceSampleRate: number) => new ReviewService(db.ds, new TraceScoreService(db.ds), { traceSampleRate, evalSampleRate: 0, claimMs: 60_000, now: () => clock });

  beforeAll(async () => {
    db = await openLedgerDb();
  });
  afterAll(() => db.close());

  async function traces(n: number, at: Date, extra: { source?: string; status?: string } = {}): Promise<void> {
    const ids = Array.from({ length: n }, () => randomUUID());
    await db.ds.query(
      `INSERT INTO traces (id, created_at, prompt, source, status, request, assembled_prompt, output)
       SELECT id, $2, 'p', $3, $4, '{"input": "q"}', '{}', 'a' FROM unnest($1::uuid[]) AS id`,
      [ids, at.toISOString(), extra.source ?? 'PRODUCTION', extra.status ?? 'COMPLETED'],
    );
  }

  it('samples about REVIEW_SAMPLE_RATE of completed production traces, each trace once', async () => {
    clock = new Date('2026-04-01T12:00:00Z');
    await traces(4000, new Date('2026-04-01T11:00:00Z'));
    await traces(500, new Date('2026-04-01T11:00:00Z'), { source: 'EVAL' });
    await traces(500, new Date('2026-04-01T11:00:00Z'), { status: 'FAILED' });
    const s = service(0.05);
    const added = await s.sample();
    // Binomial(4000, 0.05): mean 200, sd ~13.8; +-5 sd
    expect(added).toBeGreaterThan(130);
    expect(added).toBeLessThan(270);
    // The watermark moved: a second pass adds nothing; newer traces are sampled on the next one.
    expect(await s.sample()).toBe(0);
    await traces(2000, new Date('2026-04-01T12:00:00Z'));
    clock = new Date('2026-04-01T12:01:00Z');
    const more = await s.sample();
    expect(more).toBeGreaterThan(50);
    expect(more).toBeLessThan(150);
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n, count(DISTINCT trace_id)::int AS d FROM review_items`);
    expect(n).toBe(added + more);
  });

  it('two reviewers claiming at the same moment get disjoint items', async () => {
    const s = service(0.05);
    const [a, b] = await Promise.all([s.queue('ann', 50), s.queue('ben', 50)]);
    expect(a.length + b.length).toBe(100);
    const ids = new Set([...a, ...b].map((i) => i.id));
    expect(ids.size).toBe(100);
    expect(a.every((i) => i.claimedBy === 'ann') && b.every((i) => i.claimedBy === 'ben')).toBe(true);
    // A claim lapses after claimMs: then another reviewer may take the item.
    clock = new Date(clock.getTime() + 61_000);
    const c = await s.queue('cid', 100);
    expect(c.map((i) => i.id)).toEqual(expect.arrayContaining([...ids]));
  });
});
