import { parentPort, workerData } from 'node:worker_threads';
import { direct, round, sdkClient, viaPipeline, wsClient } from './generate-clients';

/**
 * The benchmark's clients in their own thread (their own event loop), as a remote frontend and a
 * remote SDK caller would be: the server and the emulator keep the main thread to themselves.
 */
const { endpoint, wsUrl, key, input } = workerData as { endpoint: string; wsUrl: string; key: string; input: string };
const sdk = sdkClient(endpoint);
const ws = wsClient(wsUrl, key);
parentPort!.on('message', async (msg: { kind: 'direct' | 'ws' | 'stop'; concurrency: number }) => {
  if (msg.kind === 'stop') {
    await ws.dispose();
    sdk.destroy();
    parentPort!.postMessage({ stopped: true });
    return;
  }
  try {
    const samples = await round(msg.concurrency, 1, () => (msg.kind === 'direct' ? direct(sdk, input) : viaPipeline(ws, input)));
    parentPort!.postMessage({ samples });
  } catch (err) {
    parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
