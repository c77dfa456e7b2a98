import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { BedrockProvider } from '../../../src/providers/bedrock/bedrock.provider';
import { startEmulator, type RunningEmulator } from '../../../src/providers/emulator/emulator.server';
import type { ConverseRequest } from '../../../src/providers/provider';

const req = (text: string): ConverseRequest => ({ modelId: 'amazon.nova-lite-v1:0', system: [], messages: [{ role: 'user', content: [{ text }] }], inferenceConfig: { maxTokens: 64 } });

const ANSWER = JSON.stringify({
  output: { message: { role: 'assistant', content: [{ text: 'ok' }] } },
  stopReason: 'end_turn',
  usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
  metrics: { latencyMs: 1 },
});

/** A Converse endpoint that answers at once, except a request whose text says `hold`: it gets no answer. */
async function holdingServer(): Promise<{ url: string; held: IncomingMessage[]; arrived: http.Server; close: () => Promise<void> }> {
  const held: IncomingMessage[] = [];
  const server = http.createServer((r, res) => {
    let body = '';
    r.on('data', (d: Buffer) => (body += d.toString()));
    r.on('end', () => {
      if (body.includes('hold')) {
        held.push(r);
        server.emit('held', r);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    arrived: server,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('Bedrock calls: one resolved middleware chain, each call still with its own abort signal', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu.close();
  });
  afterEach(() => jest.restoreAllMocks());

  it('resolves the Converse and ConverseStream middleware once for many calls with signals', async () => {
    const provider = new BedrockProvider({ mode: 'emulator', region: 'us-east-1', endpoint: emu.url });
    const converse = jest.spyOn(ConverseCommand.prototype, 'resolveMiddleware');
    const stream = jest.spyOn(ConverseStreamCommand.prototype, 'resolveMiddleware');
    for (let i = 0; i < 3; i++) {
      const res = await provider.complete(req(`#reply: answer ${i}`), { signal: new AbortController().signal });
      expect(res.text).toBe(`answer ${i}`);
      const texts: string[] = [];
      for await (const ev of provider.stream(req(`#reply: streamed ${i}`), { signal: new AbortController().signal })) if (ev.type === 'text') texts.push(ev.text);
      expect(texts.join('')).toBe(`streamed ${i}`);
    }
    expect(converse).toHaveBeenCalledTimes(1);
    expect(stream).toHaveBeenCalledTimes(1);
    await provider.close();
  });

  it("an abort closes only its own call's HTTP request and rejects with AbortError; the concurrent call answers", async () => {
    const srv = await holdingServer();
    const provider = new BedrockProvider({ mode: 'emulator', region: 'us-east-1', endpoint: srv.url });
    try {
      const ctl = new AbortController();
      const arrived = once(srv.arrived, 'held') as Promise<[IncomingMessage]>;
      const slow = provider.complete(req('hold'), { signal: ctl.signal });
      const [held] = await arrived;
      // The request's own 'close' came with its body's end: the connection's close is the HTTP request closing.
      const closed = once(held.socket, 'close');
      const other = provider.complete(req('answer'), { signal: new AbortController().signal });
      ctl.abort();
      await expect(slow).rejects.toMatchObject({ code: 'AbortError' });
      await closed;
      expect((await other).text).toBe('ok');
    } finally {
      await provider.close();
      await srv.close();
    }
  });

  it('sends nothing for a call whose signal has already fired', async () => {
    const srv = await holdingServer();
    const provider = new BedrockProvider({ mode: 'emulator', region: 'us-east-1', endpoint: srv.url });
    let requests = 0;
    srv.arrived.on('request', () => requests++);
    try {
      const ctl = new AbortController();
      ctl.abort();
      await expect(provider.complete(req('hold'), { signal: ctl.signal })).rejects.toMatchObject({ code: 'AbortError' });
      expect((await provider.complete(req('answer'))).text).toBe('ok');
      expect(requests).toBe(1);
    } finally {
      await provider.close();
      await srv.close();
    }
  });
});
