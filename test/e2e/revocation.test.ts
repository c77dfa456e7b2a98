import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../helpers/test-app';

/**
 * A revoked key's open streams stop within a second (through the change bus): each gets a
 * GenerationFailed KEY_REVOKED, then the socket closes with 4403, and the trace says key_revoked.
 */
describe('revoking a key ends its open streams', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.gql('mutation { createPrompt(input: { name: "rv" }) { id } }');
    await t.gql('mutation { createPromptVersion(input: { prompt: "rv", system: "You help." }) { number } }');
    await t.gql('mutation { promotePromptVersion(input: { prompt: "rv", version: 1, label: "production" }) { promoted } }');
  });
  afterAll(() => t?.close());

  it('ends the stream with GenerationFailed KEY_REVOKED, closes the socket with 4403 within a second of the revoke, and traces it as key_revoked', async () => {
    const created = await t.gql('mutation { createApiKey(name: "to-revoke", role: APP) { secret apiKey { id } } }');
    const { secret, apiKey } = created.data!.createApiKey as { secret: string; apiKey: { id: string } };
    const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    const messages: Array<Record<string, any>> = [];
    const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })));
    await new Promise<void>((resolve) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${secret}` } })));
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as Record<string, any>;
        messages.push(m);
        if (m.type === 'connection_ack') resolve();
      });
    });
    ws.send(
      JSON.stringify({
        id: 'g',
        type: 'subscribe',
        payload: {
          query:
            'subscription { generate(input: { prompt: "rv", input: "Go\\n#tokens: 300\\n#interval-ms: 20" }) { __typename ... on GenerationStarted { traceId } ... on GenerationFailed { code failedTraceId: traceId } } }',
        },
      }),
    );
    const started = async () => {
      for (let i = 0; i < 500; i++) {
        const deltas = messages.filter((m) => m.type === 'next' && m.payload?.data?.generate?.__typename === 'TextDelta');
        if (deltas.length >= 3) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`the stream did not start: ${JSON.stringify(messages).slice(0, 300)}`);
    };
    await started();
    const traceId = messages.find((m) => m.payload?.data?.generate?.__typename === 'GenerationStarted')!.payload.data.generate.traceId as string;
    const revoked = await t.gql('mutation($id: ID!) { revokeApiKey(id: $id) }', { id: apiKey.id });
    expect(revoked.errors).toBeUndefined();
    const at = Date.now();
    const close = await closed;
    expect(close.code).toBe(4403);
    expect(close.reason).toMatch(/revoked/);
    expect(close.at - at).toBeLessThan(1000);
    expect(messages.some((m) => m.payload?.data?.generate?.__typename === 'GenerationCompleted')).toBe(false);
    // Told why before the close, on the stream itself.
    const events = messages.filter((m) => m.id === 'g' && m.type === 'next').map((m) => m.payload.data.generate as Record<string, unknown>);
    expect(events.at(-1)).toEqual({ __typename: 'GenerationFailed', code: 'KEY_REVOKED', failedTraceId: traceId });

    await t.app.services.generation.idle(5000);
    await t.app.services.traces.writer.flush();
    const trace = await t.gql('query($id: ID!) { trace(id: $id) { id status stopReason errorCode } }', { id: traceId });
    expect(trace.data?.trace).toEqual({ id: traceId, status: 'FAILED', stopReason: 'key_revoked', errorCode: 'KEY_REVOKED' });
  });
});
