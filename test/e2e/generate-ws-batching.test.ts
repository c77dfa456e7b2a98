import net from 'node:net';
import { startTestApp, wsCollect, type TestApp } from '../helpers/test-app';
import { createBriefPrompt } from '../helpers/prompts';

const SUB = `subscription($i: GenerateInput!) { generate(input: $i) { __typename ... on TextDelta { text } ... on GenerationCompleted { stopReason } ... on GenerationFailed { code message } } }`;
const REPLY = 'One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen.';

describe('generate over graphql-ws: the messages of one event-loop turn leave a socket in one write', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'silent' });
    key = await t.keyFor('APP', 'ws-batching');
    await createBriefPrompt(t, 'batched');
  });
  afterAll(() => t?.close());

  it('30 concurrent streams on one connection: every message arrives, in far fewer socket writes than messages', async () => {
    const port = Number(new URL(t.url).port);
    // Writes the server makes on its side of a connection to this app (not the emulator's, not the client's).
    let writes = 0;
    const proto = net.Socket.prototype as unknown as Record<'_write' | '_writev', (this: net.Socket, ...args: unknown[]) => unknown>;
    const originals = { _write: proto._write, _writev: proto._writev };
    for (const name of ['_write', '_writev'] as const) {
      proto[name] = function (this: net.Socket, ...args: unknown[]) {
        if ((this as net.Socket & { server?: unknown }).server && this.localPort === port) writes++;
        return originals[name].apply(this, args);
      };
    }
    const client = t.ws(key, { keepOpen: true });
    try {
      // Connected and acknowledged before counting starts.
      await wsCollect(client, SUB, { i: { prompt: 'batched', input: `Warm up.\n#reply: ok` } });
      writes = 0;
      const streams = await Promise.all(Array.from({ length: 30 }, (_, i) => wsCollect(client, SUB, { i: { prompt: 'batched', input: `Count ${i}.\n#reply: ${REPLY}` } })));
      const written = writes;
      let messages = 0;
      for (const results of streams) {
        const events = results.map((r) => {
          expect(r.errors).toBeUndefined();
          return r.data!.generate as { __typename: string; text?: string };
        });
        // Unchanged for the client: the same events, the deltas joining into the whole reply.
        expect(events[0]!.__typename).toBe('GenerationStarted');
        expect(events.at(-1)).toEqual({ __typename: 'GenerationCompleted', stopReason: 'end_turn' });
        expect(
          events
            .filter((e) => e.__typename === 'TextDelta')
            .map((e) => e.text)
            .join(''),
        ).toBe(REPLY);
        // Every `next`, and the `complete` that ends the stream.
        messages += results.length + 1;
      }
      // One write per message without batching.
      expect(messages).toBeGreaterThanOrEqual(30 * 4);
      expect(written).toBeLessThan(messages / 2);
    } finally {
      Object.assign(proto, originals);
      await client.dispose();
    }
  });
});
