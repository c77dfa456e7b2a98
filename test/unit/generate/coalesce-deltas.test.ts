import { coalesceDeltas } from '../../../src/generate/coalesce-deltas';
import type { GenerateEventData } from '../../../src/generate/generate.events';

const started: GenerateEventData = { __typename: 'GenerationStarted', traceId: 't', modelId: 'm', promptVersion: 1, label: null, routedBy: null, cached: false };
const failed: GenerateEventData = { __typename: 'GenerationFailed', traceId: 't', code: 'PROVIDER_ERROR', message: 'x' };
const delta = (text: string, index: number): GenerateEventData => ({ __typename: 'TextDelta', text, index });

async function* source(events: GenerateEventData[], gapMs: number) {
  for (const e of events) {
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    yield e;
  }
}

describe('coalesceDeltas', () => {
  const events = [started, delta('a', 0), delta('b', 1), delta('c', 2), failed];

  it('passes every delta on when the consumer keeps up', async () => {
    const out: GenerateEventData[] = [];
    for await (const e of coalesceDeltas(source(events, 5))) out.push(e);
    expect(out).toEqual(events);
  });

  it('joins the deltas waiting for a slow consumer, keeping order and renumbering indexes', async () => {
    const it = coalesceDeltas(source(events, 0));
    const first = await it.next();
    expect(first.value).toEqual(started);
    await new Promise((r) => setTimeout(r, 20));
    const rest: GenerateEventData[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    expect(rest).toEqual([delta('abc', 0), failed]);
  });

  it('returns the source when the consumer leaves', async () => {
    let returned = false;
    const src: AsyncIterator<GenerateEventData> = {
      next: () => new Promise(() => undefined),
      return: async () => {
        returned = true;
        return { value: undefined, done: true };
      },
    };
    const it = coalesceDeltas(src);
    await it.return!();
    expect(returned).toBe(true);
    expect((await it.next()).done).toBe(true);
  });
});
