import type { GenerateEventData } from './generate.events';

/**
 * Under backpressure, joins text deltas that are waiting for the client into one. The source is
 * pulled eagerly into a queue; when the transport asks for the next event and several TextDeltas
 * wait in a row, they go out as one (indexes renumbered), so a busy server sends fewer, larger
 * frames instead of falling behind. A client that keeps up still gets every delta as it comes.
 * The stream ends at GenerationCompleted or GenerationFailed; the source runs to its end behind it.
 */
export function coalesceDeltas(source: AsyncIterator<GenerateEventData>): AsyncIterableIterator<GenerateEventData> {
  const queue: GenerateEventData[] = [];
  let finished = false;
  let failure: { err: unknown } | null = null;
  let wake: (() => void) | null = null;
  let index = 0;
  /**
   * The last event was taken: the client's stream ends there (graphql-ws sends complete), while the
   * source is still pulled to its end (a budget settlement may follow the last event).
   */
  let lastSent = false;
  const signal = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  void (async () => {
    try {
      for (;;) {
        const r = await source.next();
        if (r.done) break;
        queue.push(r.value);
        signal();
      }
    } catch (err) {
      failure = { err };
    }
    finished = true;
    signal();
  })();

  const take = (): IteratorResult<GenerateEventData> => {
    const first = queue.shift()!;
    if (first.__typename === 'GenerationCompleted' || first.__typename === 'GenerationFailed') lastSent = true;
    if (first.__typename !== 'TextDelta') return { value: first, done: false };
    let text = first.text;
    while (queue.length && queue[0]!.__typename === 'TextDelta') text += (queue.shift() as { text: string }).text;
    return { value: { __typename: 'TextDelta', text, index: index++ }, done: false };
  };

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (lastSent) return { value: undefined, done: true };
      while (!queue.length && !finished) await new Promise<void>((r) => (wake = r));
      if (queue.length) return take();
      if (failure) throw failure.err;
      return { value: undefined, done: true };
    },
    async return() {
      finished = true;
      queue.length = 0;
      await source.return?.();
      signal();
      return { value: undefined, done: true };
    },
  } as AsyncIterableIterator<GenerateEventData>;
}
