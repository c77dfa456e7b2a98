import { createEntryStore, startEntryProcess, withStoreDataSource, type EntryStore } from '../helpers/entry-process';
import { createBriefPrompt } from '../helpers/prompts';

/**
 * `npm start`'s entry point (src/index.ts) in its own process: SIGTERM drains HTTP (an in-flight
 * generation finishes), flushes the trace writer, closes the database, and exits 0. Runs on PGlite
 * in a data folder, or on a fresh PostgreSQL database when DATABASE_URL is set.
 */
describe('clean stop on SIGTERM (the real entry point in a child process)', () => {
  let store: EntryStore | undefined;

  beforeAll(async () => {
    store = await createEntryStore('gcp_shutdown');
  });
  afterAll(async () => {
    await store?.drop();
  });

  it('finishes the in-flight generation, keeps its trace, and exits 0', async () => {
    const server = await startEntryProcess(store!);
    await createBriefPrompt(server);
    // About one second of streaming; SIGTERM arrives in the middle of it.
    const inFlight = server.gql('mutation { generateOnce(input: { prompt: "p", input: "Go\\n#tokens: 40\\n#interval-ms: 25" }) { status traceId usage { outputTokens } } }');
    await new Promise((r) => setTimeout(r, 300));
    server.child.kill('SIGTERM');
    const result = await inFlight;
    expect(result.errors).toBeUndefined();
    expect(result.data.generateOnce).toMatchObject({ status: 'COMPLETED', usage: { outputTokens: 40 } });
    expect(await server.exited).toBe(0);
    expect(server.out()).toMatch(/"msg":"stopped"/);

    const rows = await withStoreDataSource(store!, (query) => query('SELECT status, output_tokens FROM traces WHERE id = $1', [result.data.generateOnce.traceId]));
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe('COMPLETED');
  });
});
