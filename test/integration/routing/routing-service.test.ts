import { createFreshDatabase } from '../../helpers/fresh-database';
import { pgliteSnapshot } from '../../helpers/database-snapshot';
import type { DataSource } from 'typeorm';
import { AuditService } from '../../../src/audit/audit.service';
import { createLocalChangeBus, createPostgresChangeBus, type ChangeBus } from '../../../src/db/change-bus';
import { createDataSource } from '../../../src/data-source';
import { EvalSetService } from '../../../src/evals';
import { BadUserInputError } from '../../../src/graphql/errors';
import { createLogger } from '../../../src/observability/logger';
import { RoutingService, type RoutingRuleInput } from '../../../src/routing';

const isKnownModel = (id: string): boolean => id.startsWith('known.');
const rule = (extra: Partial<RoutingRuleInput> = {}): RoutingRuleInput => ({ name: 'r', priority: 1, condition: {}, targetModelId: 'known.a', ...extra }) as RoutingRuleInput;

async function fieldOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BadUserInputError);
  return (err as BadUserInputError).field;
}

describe('RoutingService and EvalSetService against the database', () => {
  let ds: DataSource;
  let url: string | undefined;
  let drop = async (): Promise<void> => undefined;
  const buses: ChangeBus[] = [];
  const extra: DataSource[] = [];

  beforeAll(async () => {
    const server = process.env.DATABASE_URL;
    if (server) {
      const fresh = await createFreshDatabase(server, 'gcp_routing');
      url = fresh.url;
      drop = fresh.drop;
    }
    ds = createDataSource({ databaseUrl: url, dataDir: 'memory://', pgliteSnapshot: url ? undefined : await pgliteSnapshot() });
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
  });
  afterAll(async () => {
    for (const b of buses) await b.close();
    for (const d of extra) await d.destroy();
    await ds.destroy();
    await drop();
  });

  it('refuses unknown model ids when given a model check, naming the field', async () => {
    const bus = createLocalChangeBus();
    buses.push(bus);
    const routing = new RoutingService(ds, new AuditService(ds), bus, { isKnownModel });
    expect(await fieldOf(routing.create(rule({ targetModelId: 'mystery.model' }), 'test'))).toBe('input.targetModelId');
    expect(await fieldOf(routing.create(rule({ fallbackModelIds: ['known.b', 'mystery.model'] }), 'test'))).toBe('input.fallbackModelIds.1');
    const ok = await routing.create(rule({ name: 'known-only', fallbackModelIds: ['known.b'] }), 'test');
    expect(ok.fallbackModelIds).toEqual(['known.b']);

    const evals = new EvalSetService(ds, new AuditService(ds), { isKnownModel });
    expect(await fieldOf(evals.create({ name: 'judged', judgeModelId: 'mystery.model' }, 'test'))).toBe('input.judgeModelId');
    expect((await evals.create({ name: 'judged', judgeModelId: 'known.judge' }, 'test')).judgeModelId).toBe('known.judge');
  });

  it('accepts any non-empty model id without a model check', async () => {
    const bus = createLocalChangeBus();
    buses.push(bus);
    const routing = new RoutingService(ds, new AuditService(ds), bus);
    expect((await routing.create(rule({ name: 'anything', targetModelId: 'mystery.model' }), 'test')).targetModelId).toBe('mystery.model');
  });

  it('drops the compiled rules of every instance sharing the change bus when a rule changes', async () => {
    // On PostgreSQL the two instances have their own pools and their own LISTEN/NOTIFY buses, as two processes would.
    let busA: ChangeBus;
    let busB: ChangeBus;
    let dsB = ds;
    if (url) {
      const logger = createLogger('silent');
      busA = await createPostgresChangeBus(url, logger);
      busB = await createPostgresChangeBus(url, logger);
      dsB = createDataSource({ databaseUrl: url, dataDir: 'memory://' });
      await dsB.initialize();
      extra.push(dsB);
    } else {
      busA = busB = createLocalChangeBus();
    }
    buses.push(busA, busB);
    const a = new RoutingService(ds, new AuditService(ds), busA);
    const b = new RoutingService(dsB, new AuditService(dsB), busB);
    const req = { inputTokens: 10, prompt: 'p', label: null, input: 'hello', messageCount: 1, tags: ['shared'] };
    const fallback = { defaultModelId: 'default.model' };

    const before = await b.route(req, fallback);
    expect(before.rule?.name).not.toBe('shared-tag');
    const created = await a.create(rule({ name: 'shared-tag', priority: 0, condition: { tagsAny: ['shared'] }, targetModelId: 'model.one' }), 'test');

    const waitFor = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
      expect(await check()).toBe(true);
    };
    await waitFor(async () => (await b.route(req, fallback)).modelId === 'model.one');
    await a.update(created.id, rule({ name: 'shared-tag', priority: 0, condition: { tagsAny: ['shared'] }, targetModelId: 'model.two' }), 'test');
    await waitFor(async () => (await b.route(req, fallback)).modelId === 'model.two');
    await a.delete(created.id, 'test');
    await waitFor(async () => (await b.route(req, fallback)).rule?.name !== 'shared-tag');
  });
});
