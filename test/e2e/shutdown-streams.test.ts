import WebSocket from 'ws';
import { ADMIN_SECRET } from '../helpers/test-app';
import { createEntryStore, startEntryProcess, withStoreDataSource, type EntryProcess, type EntryStore } from '../helpers/entry-process';
import { createBriefPrompt } from '../helpers/prompts';

/**
 * SIGTERM and WebSocket streams (the real entry point in a child process): in-flight `generate`
 * streams finish within SHUTDOWN_GRACE_SECONDS while new ones are refused; streams longer than the
 * grace period are closed with 1001; every stream leaves a trace.
 */
describe('SIGTERM lets in-flight WebSocket streams finish', () => {
  let store: EntryStore | undefined;

  beforeEach(async () => {
    store = await createEntryStore('gcp_shutdown_ws');
  });
  afterEach(async () => {
    await store?.drop();
    store = undefined;
  });

  async function start(graceSeconds: number): Promise<EntryProcess> {
    const server = await startEntryProcess(store!, { SHUTDOWN_GRACE_SECONDS: String(graceSeconds) });
    await createBriefPrompt(server);
    return server;
  }

  /** One socket, one generate stream; resolves with the stream's events and how the socket closed (the client closes it after the complete unless told not to). */
  function stream(port: number, input: string, closeOnComplete = true) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    const events: Array<Record<string, any>> = [];
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const closed = new Promise<{ code: number }>((resolve) => ws.on('close', (code) => resolve({ code })));
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ADMIN_SECRET}` } })));
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as Record<string, any>;
      if (m.type === 'connection_ack') {
        ws.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: {
              query:
                'subscription($i: GenerateInput!) { generate(input: $i) { __typename ... on GenerationStarted { traceId } ... on GenerationCompleted { traceId } ... on GenerationFailed { code failedTraceId: traceId } } }',
              variables: { i: { prompt: 'p', input } },
            },
          }),
        );
      }
      if (m.type === 'next') {
        events.push(m.payload.data.generate);
        if (m.payload.data.generate.__typename === 'TextDelta') started();
      }
      if (m.type === 'complete' && closeOnComplete) ws.close(1000);
    });
    return { events, running, closed };
  }

  async function tracesOf(ids: string[]): Promise<Array<{ id: string; status: string; stop_reason: string | null; error_code: string | null }>> {
    return withStoreDataSource(store!, (query) => query('SELECT id, status, stop_reason, error_code FROM traces WHERE id = ANY($1)', [ids]));
  }

  it('finishes 5 in-flight streams within the grace period, refuses a new one, exits 0, traces all 5', async () => {
    const { child, port, exited } = await start(10);
    const streams = Array.from({ length: 5 }, () => stream(port, 'Go\n#tokens: 40\n#interval-ms: 30'));
    await Promise.all(streams.map((s) => s.running));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    const late = stream(port, 'Go\n#tokens: 5');
    expect((await late.closed).code).not.toBe(1000);
    expect(late.events.some((e) => e.__typename === 'GenerationCompleted')).toBe(false);
    for (const s of streams) {
      await s.closed;
      expect(s.events.at(-1)?.__typename).toBe('GenerationCompleted');
    }
    expect(await exited).toBe(0);
    const ids = streams.map((s) => s.events[0]!.traceId as string);
    const rows = await tracesOf(ids);
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.status === 'COMPLETED')).toBe(true);
  });

  it('ends streams longer than the grace period with GenerationFailed SERVER_SHUTDOWN, then 1001, and traces them as server_shutdown', async () => {
    const { child, port, exited } = await start(1);
    // The client stays after the complete: the server closes the socket.
    const streams = Array.from({ length: 3 }, () => stream(port, 'Go\n#tokens: 200\n#interval-ms: 30', false));
    await Promise.all(streams.map((s) => s.running));
    child.kill('SIGTERM');
    for (const s of streams) {
      expect((await s.closed).code).toBe(1001);
      // Told why before the close, not cut silently.
      expect(s.events.at(-1)).toMatchObject({ __typename: 'GenerationFailed', code: 'SERVER_SHUTDOWN', failedTraceId: s.events[0]!.traceId });
    }
    expect(await exited).toBe(0);
    const rows = await tracesOf(streams.map((s) => s.events[0]!.traceId as string));
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => [r.status, r.stop_reason, r.error_code])).toEqual(Array(3).fill(['FAILED', 'server_shutdown', 'SERVER_SHUTDOWN']));
  });
});
