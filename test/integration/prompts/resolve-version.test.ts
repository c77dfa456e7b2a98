import { createFreshDatabase } from '../../helpers/fresh-database';
import { pgliteSnapshot } from '../../helpers/database-snapshot';
import type { DataSource } from 'typeorm';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { AuditService } from '../../../src/audit/audit.service';
import { createDataSource } from '../../../src/data-source';
import { createLocalChangeBus, createPostgresChangeBus, type ChangeBus } from '../../../src/db/change-bus';
import { BadUserInputError, NotFoundError } from '../../../src/graphql/errors';
import { createLogger } from '../../../src/observability/logger';
import { PromptService, renderVersion } from '../../../src/prompts/index';

/** A migrated database of this run's kind: a fresh PostgreSQL database with DATABASE_URL, else memory PGlite. */
async function openDatabase(): Promise<{ ds: DataSource; url?: string; drop(): Promise<void> }> {
  let url: string | undefined;
  let dropDb = async (): Promise<void> => undefined;
  if (process.env.DATABASE_URL) {
    const fresh = await createFreshDatabase(process.env.DATABASE_URL, 'gcp_prompts');
    url = fresh.url;
    dropDb = fresh.drop;
  }
  const ds = createDataSource({ databaseUrl: url, dataDir: 'memory://', pgliteSnapshot: url ? undefined : await pgliteSnapshot() });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  return {
    ds,
    url,
    async drop() {
      await ds.destroy();
      await dropDb();
    },
  };
}

/** Waits until `check` passes (bus notifications from PostgreSQL arrive asynchronously). */
async function eventually(check: () => Promise<void> | void, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() - start > timeoutMs) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

describe(`PromptService.resolveVersion (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: Awaited<ReturnType<typeof openDatabase>>;
  let bus: ChangeBus;
  let prompts: PromptService;
  const logger = createLogger('silent');

  beforeAll(async () => {
    db = await openDatabase();
    bus = db.url ? await createPostgresChangeBus(db.url, logger) : createLocalChangeBus();
    prompts = new PromptService(db.ds, new AuditService(db.ds), bus);
    await prompts.create({ name: 'greeter', description: null }, 'ci');
    await prompts.createVersion({ prompt: 'greeter', system: 'Greet {{name}} kindly.', params: { maxTokens: 100 }, modelId: 'model-a' }, 'ci');
    await prompts.createVersion({ prompt: 'greeter', system: 'Greet {{name}} briefly.', messages: [{ role: 'USER', content: 'Hi from {{place}}' }], shareable: true }, 'ci');
    await prompts.promote({ prompt: 'greeter', version: 1, label: 'production' }, 'ci');
  });
  afterAll(async () => {
    await bus.close();
    await db.drop();
  });

  it('serves production by default, a label, latest or a number', async () => {
    const prod = await prompts.resolveVersion('greeter');
    expect(prod).toMatchObject({
      prompt: 'greeter',
      number: 1,
      label: 'production',
      system: 'Greet {{name}} kindly.',
      messages: [],
      variables: ['name'],
      modelId: 'model-a',
      params: { maxTokens: 100 },
      shareable: false,
    });
    expect(prod.promptId).toMatch(/^[0-9a-f-]{36}$/);
    expect(prod.versionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await prompts.resolveVersion('greeter', { label: 'latest' })).toMatchObject({ number: 2, label: 'latest', shareable: true, variables: ['name', 'place'] });
    expect(await prompts.resolveVersion('greeter', { version: 2 })).toMatchObject({ number: 2, label: null });
    expect(await prompts.resolveVersion('greeter', { label: 'production', version: null })).toMatchObject({ number: 1 });
  });

  it('throws NotFoundError for an unknown prompt, label or version, and BadUserInputError for label plus version', async () => {
    await expect(prompts.resolveVersion('nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(prompts.resolveVersion('greeter', { label: 'staging' })).rejects.toThrow(/PromptLabel "greeter:staging" not found/);
    await expect(prompts.resolveVersion('greeter', { version: 9 })).rejects.toBeInstanceOf(NotFoundError);
    await expect(prompts.resolveVersion('greeter', { label: 'production', version: 1 })).rejects.toBeInstanceOf(BadUserInputError);
    await prompts.create({ name: 'empty' }, 'ci');
    await expect(prompts.resolveVersion('empty', { label: 'latest' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(prompts.resolveVersion('empty')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('reads nothing from the database on the hot path once loaded', async () => {
    await prompts.resolveVersion('greeter');
    const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
    try {
      for (let i = 0; i < 200; i++) {
        await prompts.resolveVersion('greeter', { label: i % 2 ? 'latest' : 'production' });
        await prompts.resolveVersion('greeter', { version: 1 });
      }
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('hands out read-only data: a caller cannot change what others are served', async () => {
    const v = await prompts.resolveVersion('greeter', { version: 2 });
    expect(() => {
      (v.messages as unknown as Array<{ content: string }>)[0]!.content = 'hacked';
    }).toThrow(TypeError);
    expect(() => (v.variables as string[]).push('x')).toThrow(TypeError);
    expect((await prompts.resolveVersion('greeter', { version: 2 })).messages[0]!.content).toBe('Hi from {{place}}');
  });

  it('renders a resolved version with the caller variables', async () => {
    const v = await prompts.resolveVersion('greeter', { label: 'latest' });
    expect(renderVersion(v, { name: 'Ada', place: 'Paris' })).toEqual({ system: 'Greet Ada briefly.', messages: [{ role: 'USER', content: 'Hi from Paris' }] });
    expect(() => renderVersion(v, { name: 'Ada' })).toThrow('input.variables.place: missing');
  });

  it('serves the new version right after a promote, rollback or new version commits, and tells listeners', async () => {
    const moved: Array<[string, string]> = [];
    const off = prompts.onLabelMoved((p, l) => moved.push([p, l]));
    try {
      expect((await prompts.resolveVersion('greeter')).number).toBe(1);
      await prompts.promote({ prompt: 'greeter', version: 2, label: 'production' }, 'ci');
      expect((await prompts.resolveVersion('greeter')).number).toBe(2);
      await eventually(() => expect(moved).toContainEqual(['greeter', 'production']));

      await prompts.rollback('greeter', 'production', 'ci');
      expect((await prompts.resolveVersion('greeter')).number).toBe(1);

      await prompts.createVersion({ prompt: 'greeter', system: 'v3 for {{name}}' }, 'ci');
      expect(await prompts.resolveVersion('greeter', { label: 'latest' })).toMatchObject({ number: 3, system: 'v3 for {{name}}' });
      expect((await prompts.resolveVersion('greeter')).number).toBe(1);
      await eventually(() => expect(moved).toContainEqual(['greeter', 'latest']));

      // A brand-new label resolves as soon as it is created.
      await prompts.promote({ prompt: 'greeter', version: 3, label: 'staging' }, 'ci');
      expect((await prompts.resolveVersion('greeter', { label: 'staging' })).number).toBe(3);
      await eventually(() => expect(moved).toContainEqual(['greeter', 'staging']));
    } finally {
      off();
    }
    const count = moved.length;
    await prompts.promote({ prompt: 'greeter', version: 3, label: 'production' }, 'ci');
    await new Promise((r) => setTimeout(r, 100));
    expect(moved).toHaveLength(count);
  });

  it('does not call listeners when a promote changes nothing, and survives a throwing listener', async () => {
    const moved: string[] = [];
    const offBad = prompts.onLabelMoved(() => {
      throw new Error('listener bug');
    });
    const off = prompts.onLabelMoved((p, l) => moved.push(`${p}:${l}`));
    try {
      const current = (await prompts.resolveVersion('greeter')).number;
      const r = await prompts.promote({ prompt: 'greeter', version: current, label: 'production' }, 'ci');
      expect(r.promoted).toBe(true);
      await new Promise((res) => setTimeout(res, 100));
      expect(moved).toEqual([]);
      await prompts.promote({ prompt: 'greeter', version: 1, label: 'production' }, 'ci');
      await eventually(() => expect(moved).toContain('greeter:production'));
      expect((await prompts.resolveVersion('greeter')).number).toBe(1);
    } finally {
      off();
      offBad();
    }
  });

  it('invalidates the cache of another instance (another PromptService on its own bus connection)', async () => {
    // On PostgreSQL the second instance has its own LISTEN connection; on PGlite (one process) it shares the bus.
    const otherBus = db.url ? await createPostgresChangeBus(db.url, logger) : bus;
    const other = new PromptService(db.ds, new AuditService(db.ds), otherBus);
    const moved: Array<[string, string]> = [];
    other.onLabelMoved((p, l) => moved.push([p, l]));
    try {
      expect((await other.resolveVersion('greeter')).number).toBe(1);
      await prompts.promote({ prompt: 'greeter', version: 2, label: 'production' }, 'ci');
      await eventually(async () => expect((await other.resolveVersion('greeter')).number).toBe(2));
      await eventually(() => expect(moved).toContainEqual(['greeter', 'production']));
      await prompts.create({ name: 'fresh' }, 'ci');
      await prompts.createVersion({ prompt: 'fresh', system: 'new' }, 'ci');
      await eventually(async () => expect((await other.resolveVersion('fresh', { label: 'latest' })).number).toBe(1));
    } finally {
      if (otherBus !== bus) await otherBus.close();
    }
  });
});
