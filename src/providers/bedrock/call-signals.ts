import type { DeserializeMiddleware, HttpHandlerOptions, MiddlewareStack } from '@smithy/types';

/** What {@link routeCallSignals} needs of an SDK client. */
export interface SignalRoutedClient {
  config: { cacheMiddleware?: boolean; requestHandler: unknown };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any client's stack, whatever its commands' types
  middlewareStack: MiddlewareStack<any, any>;
}

interface RequestHandlerLike {
  handle(request: unknown, options?: HttpHandlerOptions): Promise<unknown>;
}

/** The abort signal of each call in flight, by its command's input object. */
const callSignals = new WeakMap<object, AbortSignal>();
/** The same signals by the signed HTTP request the call's attempt hands to the request handler. */
const requestSignals = new WeakMap<object, AbortSignal>();

/**
 * Lets a client keep its resolved middleware chain (`cacheMiddleware`) while each call still has its
 * own abort signal. The SDK resolves the whole middleware stack of a command (copying and sorting
 * it) on every `send(command, options)`; with `cacheMiddleware` it resolves it once per command
 * class, but only for calls sent without options, and any call sent with options drops the cache.
 * The one option this provider sends is `abortSignal`, which the SDK hands to the request handler
 * (so an abort closes the HTTP request) and to the retry strategy (so an abort ends a wait between
 * attempts). Here a call's signal is kept by its command's input ({@link sendWithSignal}); a
 * middleware of the deserialize step (after retries and signing, so it sees each attempt's signed
 * request) passes it on to the request handler, whose `handle` is wrapped to add it to the options;
 * `sendWithSignal` rejects at once on an abort, as the SDK's retry wait does, with the request
 * handler's own error.
 */
export function routeCallSignals(client: SignalRoutedClient): void {
  client.config.cacheMiddleware = true;
  const route: DeserializeMiddleware<object, object> = (next) => (args) => {
    const signal = callSignals.get(args.input);
    if (signal && typeof args.request === 'object' && args.request !== null) requestSignals.set(args.request, signal);
    return next(args);
  };
  client.middlewareStack.add(route, { step: 'deserialize', name: 'callSignalRoute', priority: 'low', override: true });
  const handler = client.config.requestHandler as RequestHandlerLike;
  const handle = handler.handle.bind(handler);
  handler.handle = (request, options) => {
    const signal = typeof request === 'object' && request !== null ? requestSignals.get(request) : undefined;
    return handle(request, signal ? { ...options, abortSignal: signal } : options);
  };
}

/**
 * `send()` (a client's `send(command)`, no options) with `signal` routed to the HTTP requests of the
 * call whose command has `input` (see {@link routeCallSignals}).
 * An abort rejects at once with an `AbortError` like the request handler's; the SDK's own promise
 * then ends on its own (its request closed by the same signal) and is left unobserved.
 */
export function sendWithSignal<T>(input: object, signal: AbortSignal | undefined, send: () => Promise<T>): Promise<T> {
  if (!signal) return send();
  // The SDK sends nothing once its signal has fired (its retry strategy rejects first).
  if (signal.aborted) return Promise.reject(abortError(signal));
  callSignals.set(input, signal);
  const sent = send();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      sent.catch(() => {});
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    sent.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** The error the SDK's Node request handler rejects with when its signal aborts. */
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  const e = reason instanceof Error ? new Error('Request aborted', { cause: reason }) : new Error(reason ? String(reason as string) : 'Request aborted');
  e.name = 'AbortError';
  return e;
}
