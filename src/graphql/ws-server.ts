import type http from 'node:http';
import type { Socket } from 'node:net';
import { CloseCode, makeServer, type ConnectionInitMessage, type Disposable, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';

/** What graphql-ws's hooks get as `ctx.extra` (the same as graphql-ws's own `use/ws`). */
export interface WsExtra {
  /** The connection's WebSocket. */
  readonly socket: WebSocket;
  /** The HTTP upgrade request the connection started with. */
  readonly request: http.IncomingMessage;
}

/** Counts kept by a {@link TurnWriteBatcher} (read by tests and benchmarks). */
export interface WriteBatchStats {
  /** Messages handed to a socket. */
  messages: number;
  /** Times a held socket was released: its messages of that turn went to the kernel together. */
  flushes: number;
}

/**
 * Groups the messages a server sends on one TCP socket during one event-loop turn into one write.
 * A busy server answers many streams multiplexed on one graphql-ws connection, each event from a
 * different model response; without this every `next` message is its own `writev(2)` (the costliest
 * part of a delta after execution was compiled away). The first message of a turn corks the socket;
 * the turn's `setImmediate` uncorks every held socket, so the kernel gets each socket's messages of
 * that turn in one call. Clients receive the same messages, in the same order.
 */
export class TurnWriteBatcher {
  readonly stats: WriteBatchStats = { messages: 0, flushes: 0 };
  private held: Socket[] = [];
  private scheduled = false;

  /** Holds `socket`'s writes until the end of this turn (once per turn, however many messages). */
  hold(socket: Socket): void {
    this.stats.messages++;
    if (this.held.includes(socket)) return;
    socket.cork();
    this.held.push(socket);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.release);
    }
  }

  private readonly release = (): void => {
    const sockets = this.held;
    this.held = [];
    this.scheduled = false;
    for (const socket of sockets) {
      this.stats.flushes++;
      socket.uncork();
    }
  };
}

/** Buffered bytes past which a send waits until its message reached the kernel (backpressure). */
const BACKLOG_BYTES = 64 * 1024;

/**
 * graphql-ws on a `ws` server: graphql-ws's own `useServer` (`graphql-ws/use/ws`, which its docs
 * invite to copy and adjust), with one change: writes are batched per event-loop turn by a
 * {@link TurnWriteBatcher}. A send resolves at once while the socket's backlog is small (graphql-ws
 * awaits each send before it takes the stream's next event, and a corked write calls back only at
 * the turn's end); past {@link BACKLOG_BYTES} it resolves when the message is written, so a slow
 * client still slows its streams down (and their deltas are joined) instead of buffering without end.
 */
export function useBatchedServer<P extends ConnectionInitMessage['payload'], E extends Record<PropertyKey, unknown>>(
  options: ServerOptions<P, WsExtra & Partial<E>>,
  wss: WebSocketServer,
  opts: {
    batcher: TurnWriteBatcher;
    /** Ping interval; a socket that answers no ping within it is terminated (default 12 s, as graphql-ws). */
    keepAliveMs?: number;
    /** In production a close reason never carries an internal error's message (default: NODE_ENV=production). */
    isProd?: boolean;
    /** Hears of internal errors (graphql-ws's `use/ws` prints them to the console). */
    logError?: (err: unknown) => void;
  },
): Disposable {
  const { batcher } = opts;
  const keepAlive = opts.keepAliveMs ?? 12_000;
  const isProd = opts.isProd ?? process.env.NODE_ENV === 'production';
  const server = makeServer(options);
  const closeReason = (err: unknown, fallback: string) => {
    opts.logError?.(err);
    return isProd ? fallback : limitCloseReason(err instanceof Error ? err.message : String(err), fallback);
  };
  wss.once('error', (err) => {
    for (const client of wss.clients) client.close(CloseCode.InternalServerError, closeReason(err, 'Internal server error'));
  });
  wss.on('connection', (socket: WebSocket, request: http.IncomingMessage) => {
    // The upgraded TCP socket `ws` writes its frames to.
    const tcp = request.socket;
    socket.once('error', (err) => socket.close(CloseCode.InternalServerError, closeReason(err, 'Internal server error')));
    let pongWait: NodeJS.Timeout | null = null;
    const pingInterval =
      keepAlive > 0 && Number.isFinite(keepAlive)
        ? setInterval(() => {
            if (socket.readyState !== socket.OPEN) return;
            pongWait = setTimeout(() => socket.terminate(), keepAlive);
            socket.once('pong', () => {
              if (pongWait) clearTimeout(pongWait);
              pongWait = null;
            });
            socket.ping();
          }, keepAlive)
        : null;
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            batcher.hold(tcp);
            const waitForWrite = tcp.writableLength >= BACKLOG_BYTES;
            socket.send(data, (err) => {
              if (err) reject(err);
              else if (waitForWrite) resolve();
            });
            if (!waitForWrite) resolve();
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', async (event: Buffer) => {
            try {
              await cb(String(event));
            } catch (err) {
              socket.close(CloseCode.InternalServerError, closeReason(err, 'Internal server error'));
            }
          }),
      },
      { socket, request } as WsExtra & Partial<E>,
    );
    socket.once('close', (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      if (pingInterval) clearInterval(pingInterval);
      void closed(code, String(reason));
    });
  });
  return {
    dispose: async () => {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** A close reason fits in 123 bytes (RFC 6455); a longer one is replaced by `fallback` (graphql-ws's rule). */
function limitCloseReason(reason: string, fallback: string): string {
  return reason.length < 124 ? reason : fallback;
}
