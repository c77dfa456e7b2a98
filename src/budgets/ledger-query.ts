import type { DataSource } from 'typeorm';

const DEADLOCK_DETECTED = '40P01';
const MAX_TRIES = 5;

/**
 * Runs one ledger statement, again when PostgreSQL chose it as a deadlock's victim. Every ledger
 * statement is its own transaction and all or nothing, so a victim changed nothing and can simply
 * run again. The statements lock in one global order (holds and leases by id, then period rows by
 * budget id), yet a statement that locks a period row in one CTE and updates it in another can still
 * meet another on the row's tuple lock while foreign-key checks share that row; PostgreSQL then
 * aborts one of them rather than let both wait forever.
 */
export async function ledgerQuery<T>(db: DataSource, sql: string, params: unknown[]): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await db.query(sql, params)) as T;
    } catch (err) {
      if (attempt >= MAX_TRIES || codeOf(err) !== DEADLOCK_DETECTED) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}
