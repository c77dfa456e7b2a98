/**
 * Wraps a generator so that the consumer going away (graphql-ws calls `return()` when the client
 * completes the subscription or the socket closes) aborts the work at once: an async generator's
 * own `return()` would wait for the pending `next()` (e.g. the next model token) first. After the
 * abort the generator is still run to its end in the background, so it can settle spend and write
 * its trace.
 */
export function abortableStream<T>(start: (signal: AbortSignal) => AsyncGenerator<T>, parent?: AbortSignal): AsyncIterableIterator<T> {
  const controller = new AbortController();
  if (parent) {
    // The reason goes along: the server ending a stream (revoked key, shutdown) is not a client gone.
    if (parent.aborted) controller.abort(parent.reason);
    else parent.addEventListener('abort', () => controller.abort(parent.reason), { once: true });
  }
  const gen = start(controller.signal);
  let finished = false;
  const drain = async () => {
    try {
      while (!(await gen.next()).done);
    } catch {
      // The consumer is gone; the pipeline has recorded the failure on its trace.
    }
  };
  const doneResult: IteratorReturnResult<undefined> = { done: true, value: undefined };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: () => (finished ? Promise.resolve(doneResult) : gen.next()),
    async return() {
      if (!finished) {
        finished = true;
        controller.abort();
        void drain();
      }
      return doneResult;
    },
    async throw(err?: unknown) {
      if (!finished) {
        finished = true;
        controller.abort();
        void drain();
      }
      throw err;
    },
  } as AsyncIterableIterator<T>;
}
