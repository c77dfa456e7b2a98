import type { Logger as OrmLogger, QueryRunner } from 'typeorm';
import type { Logger } from '../observability/logger';

/** SQL text is cut to this many characters in a log line; parameters (prompt text, secrets) are never logged. */
const MAX_SQL = 500;
const cut = (sql: string) => (sql.length > MAX_SQL ? `${sql.slice(0, MAX_SQL)}…` : sql);

/**
 * TypeORM's messages (a failed query, a slow one, migrations) through the app's logger instead of
 * TypeORM's console printer, so JSON mode prints nothing but JSON. Query parameters are left out.
 */
export class TypeOrmLogger implements OrmLogger {
  constructor(private readonly logger: Logger) {}

  logQuery(): void {
    // Every query would flood the log; failures and slow ones are logged below.
  }

  logQueryError(error: string | Error, query: string, parameters?: unknown[], _queryRunner?: QueryRunner): void {
    const err = typeof error === 'string' ? new Error(error) : error;
    this.logger.error({ err, sql: cut(query), parameterCount: parameters?.length ?? 0 }, 'query failed');
  }

  logQuerySlow(time: number, query: string, parameters?: unknown[]): void {
    this.logger.warn({ ms: time, sql: cut(query), parameterCount: parameters?.length ?? 0 }, 'slow query');
  }

  logSchemaBuild(message: string): void {
    this.logger.debug({ typeorm: 'schema' }, message);
  }

  logMigration(message: string): void {
    this.logger.info({ typeorm: 'migration' }, message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    if (level === 'warn') this.logger.warn({ typeorm: level }, text);
    else this.logger.debug({ typeorm: level }, text);
  }
}
