import net from 'node:net';
import { once } from 'node:events';
import { TurnWriteBatcher } from '../../../src/graphql/ws-server';

/** A connected pair of TCP sockets on loopback, with a count of the kernel writes the sending side makes. */
async function socketPair(): Promise<{ sender: net.Socket; receiver: net.Socket; writes: () => number; close: () => void }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const sender = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(sender, 'connect');
  const [receiver] = await accepted;
  let writes = 0;
  const own = sender as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  for (const name of ['_write', '_writev'] as const) {
    const original = own[name].bind(sender);
    own[name] = (...args: unknown[]) => {
      writes++;
      return original(...args);
    };
  }
  return {
    sender,
    receiver,
    writes: () => writes,
    close: () => {
      sender.destroy();
      receiver.destroy();
      server.close();
    },
  };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('TurnWriteBatcher', () => {
  it('sends the messages of one turn in one write, in order, and the next turn in another', async () => {
    const pair = await socketPair();
    const batcher = new TurnWriteBatcher();
    let received = '';
    pair.receiver.on('data', (d: Buffer) => (received += d.toString()));
    try {
      for (const m of ['a', 'b', 'c', 'd']) {
        batcher.hold(pair.sender);
        pair.sender.write(m);
      }
      expect(pair.writes()).toBe(0);
      await turn();
      expect(pair.writes()).toBe(1);
      batcher.hold(pair.sender);
      pair.sender.write('e');
      await turn();
      expect(pair.writes()).toBe(2);
      while (received.length < 5) await turn();
      expect(received).toBe('abcde');
      expect(batcher.stats).toEqual({ messages: 5, flushes: 2 });
    } finally {
      pair.close();
    }
  });

  it('releases every socket held in a turn, each once', async () => {
    const [p, q] = await Promise.all([socketPair(), socketPair()]);
    const batcher = new TurnWriteBatcher();
    try {
      for (let i = 0; i < 3; i++) {
        for (const s of [p, q]) {
          batcher.hold(s.sender);
          s.sender.write(`m${i}`);
        }
      }
      await turn();
      expect([p.writes(), q.writes()]).toEqual([1, 1]);
      expect(p.sender.writableCorked).toBe(0);
      expect(q.sender.writableCorked).toBe(0);
    } finally {
      p.close();
      q.close();
    }
  });
});
