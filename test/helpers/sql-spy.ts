import type { DataSource } from 'typeorm';

/** Runs `f` and returns every SQL text it sent through `ds`'s query runners (in order). */
export async function sqlOf(ds: DataSource, f: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const original = ds.createQueryRunner.bind(ds);
  const spy = jest.spyOn(ds, 'createQueryRunner').mockImplementation((mode) => {
    const qr = original(mode);
    const q = qr.query.bind(qr);
    qr.query = ((sql: string, ...rest: unknown[]) => (seen.push(sql), (q as (...a: unknown[]) => Promise<unknown>)(sql, ...rest))) as typeof qr.query;
    return qr;
  });
  try {
    await f();
  } finally {
    spy.mockRestore();
  }
  return seen;
}
