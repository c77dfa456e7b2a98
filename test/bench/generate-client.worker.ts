import { parentPort, workerData } from 'node:worker_threads';
import { flushTimeline, setTimelineLabel } from './http-timeline';
import { direct, directOnce, round, sdkClient, viaOnce, viaPipeline, viaPortkey, wsClient, type Sample } from './generate-clients';

/**
 * The benchmark's clients in their own thread (their own event loop), as remote frontends would be:
 * the servers and the emulator keep the main thread to themselves.
 */
export interface WorkerSetup {
  endpoint: string;
  input: string;
  /** One service per candidate (`bare`, `full`): its graphql-ws and HTTP URLs and an APP key. */
  services: Record<string, { wsUrl: string; httpUrl: string; key: string }>;
  portkeyUrl?: string;
}

export type ClientKind = 'direct' | 'direct-once' | 'portkey' | 'portkey-once' | `ws:${string}` | `once:${string}`;

const setup = workerData as WorkerSetup;
const sdk = sdkClient(setup.endpoint);
const ws = Object.fromEntries(Object.entries(setup.services).map(([name, s]) => [name, wsClient(s.wsUrl, s.key)]));

function client(kind: ClientKind): () => Promise<Sample> {
  const { input } = setup;
  if (kind === 'direct') return () => direct(sdk, input);
  if (kind === 'direct-once') return () => directOnce(sdk, input);
  if (kind === 'portkey') return () => viaPortkey(setup.portkeyUrl!, setup.endpoint, input, true);
  if (kind === 'portkey-once') return () => viaPortkey(setup.portkeyUrl!, setup.endpoint, input, false);
  const [how, name] = kind.split(':') as ['ws' | 'once', string];
  const s = setup.services[name]!;
  return how === 'ws' ? () => viaPipeline(ws[name]!, input) : () => viaOnce(s.httpUrl, s.key, input);
}

let rounds = 0;
parentPort!.on('message', async (msg: { kind: ClientKind | 'stop'; concurrency: number; warm?: boolean }) => {
  if (msg.kind === 'stop') {
    flushTimeline();
    for (const c of Object.values(ws)) await c.dispose();
    sdk.destroy();
    parentPort!.postMessage({ stopped: true });
    return;
  }
  try {
    // A failed request is counted, not timed (a keep-alive socket the server just closed, a gateway hiccup).
    let failed = 0;
    let lastError = '';
    const run = client(msg.kind);
    // BENCH_TIMELINE: each measured round's requests carry its label (the warm-up's are not recorded).
    setTimelineLabel(msg.warm ? '' : `${msg.kind}@${msg.concurrency}#${rounds++}`);
    const samples = (
      await round(msg.concurrency, 1, () =>
        run().catch((err: unknown) => {
          failed++;
          lastError = err instanceof Error ? err.message : String(err);
          return null as unknown as Sample;
        }),
      )
    ).filter(Boolean);
    parentPort!.postMessage({ samples, failed, lastError });
  } catch (err) {
    parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
