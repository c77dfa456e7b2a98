import WebSocket from 'ws';
import { createFreshDatabase, type FreshDatabase } from '../helpers/fresh-database';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-postgres';

type Rec = Record<string, any>;

/**
 * Revocation across instances: two server processes (each its own OS process) on one fresh
 * PostgreSQL database. A generate stream is open on process B; the key is revoked through process
 * A; the change bus carries it to B, whose stream ends with GenerationFailed KEY_REVOKED, then its
 * socket closes with 4403, within a second, and B traces the stream as key_revoked. Runs on the
 * PostgreSQL in DATABASE_URL, or on a throwaway one of its own (the embedded database cannot be
 * shared by two processes).
 */
describe('revoking a key on one process ends its stream on another', () => {
  let pg: ThrowawayPostgres | undefined;
  let db: FreshDatabase;
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;

  beforeAll(async () => {
    let server = process.env.DATABASE_URL;
    if (!server) {
      pg = await startThrowawayPostgres();
      server = pg.url;
    }
    db = await createFreshDatabase(server, 'gcp_revoke2');
    // One after the other: on an empty database (a throwaway server), the first runs the migrations.
    a = await startServerProcess(db.url, {}, 90_000);
    b = await startServerProcess(db.url, {}, 90_000);
  }, 240_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await db?.drop();
    await pg?.destroy();
  }, 60_000);

  async function must(p: ServerProcess, q: string, v: Rec = {}): Promise<Rec> {
    const r = await p.gql(q, v);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!;
  }

  it('a stream on process B ends with GenerationFailed KEY_REVOKED and close 4403 within a second of the revoke on process A, and is traced', async () => {
    const [pa, pb] = [a!, b!];
    expect(pa.pid).not.toBe(pb.pid);
    await must(pa, 'mutation { createPrompt(input: { name: "rv2" }) { id } }');
    await must(pa, 'mutation { createPromptVersion(input: { prompt: "rv2", system: "You help." }) { number } }');
    await must(pa, 'mutation { promotePromptVersion(input: { prompt: "rv2", version: 1, label: "production" }) { promoted } }');
    const { secret, apiKey } = (await must(pa, 'mutation { createApiKey(name: "revoked-elsewhere", role: APP) { secret apiKey { id } } }')).createApiKey as {
      secret: string;
      apiKey: { id: string };
    };

    // The stream on B: 1000 tokens, 20 ms apart (20 s if nothing stops it).
    const ws = new WebSocket(`ws://127.0.0.1:${pb.port}/graphql`, 'graphql-transport-ws');
    const messages: Rec[] = [];
    const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })));
    const acked = new Promise<void>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${secret}` } })));
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as Rec;
        messages.push(m);
        if (m.type === 'connection_ack') resolve();
      });
      ws.on('error', reject);
    });
    await acked;
    ws.send(
      JSON.stringify({
        id: 'g',
        type: 'subscribe',
        payload: {
          query:
            'subscription { generate(input: { prompt: "rv2", input: "Go\\n#tokens: 1000\\n#interval-ms: 20" }) { __typename ... on GenerationStarted { traceId } ... on GenerationFailed { code failedTraceId: traceId } } }',
        },
      }),
    );
    const events = () => messages.filter((m) => m.id === 'g' && m.type === 'next').map((m) => m.payload.data.generate as Rec);
    while (events().filter((e) => e.__typename === 'TextDelta').length < 3) {
      if (messages.some((m) => m.type === 'error' || m.type === 'complete')) throw new Error(`the stream did not start: ${JSON.stringify(messages).slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const traceId = events()[0]!.traceId as string;

    // Revoked through A; B learns it from the change bus.
    expect(await must(pa, 'mutation($id: ID!) { revokeApiKey(id: $id) }', { id: apiKey.id })).toEqual({ revokeApiKey: true });
    const at = Date.now();
    const close = await closed;
    expect(close.code).toBe(4403);
    expect(close.reason).toMatch(/revoked/);
    expect(close.at - at).toBeLessThan(1000);
    expect(events().at(-1)).toEqual({ __typename: 'GenerationFailed', code: 'KEY_REVOKED', failedTraceId: traceId });
    expect(events().some((e) => e.__typename === 'GenerationCompleted')).toBe(false);

    // B writes the trace (off the hot path, in its own batch): read it through A once it is there.
    let trace: Rec | null = null;
    for (let i = 0; i < 300 && !trace; i++) {
      trace = (await must(pa, 'query($id: ID!) { trace(id: $id) { id status stopReason errorCode } }', { id: traceId })).trace as Rec | null;
      if (!trace) await new Promise((r) => setTimeout(r, 50));
    }
    expect(trace).toEqual({ id: traceId, status: 'FAILED', stopReason: 'key_revoked', errorCode: 'KEY_REVOKED' });

    // The revoked key is refused on B for anything new.
    const refused = await pb.gql('{ prompts { name } }', {}, secret);
    expect(refused.errors?.[0]?.extensions?.code).toMatch(/UNAUTHENTICATED|FORBIDDEN/);
  }, 120_000);
});
