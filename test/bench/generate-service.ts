import { startTestApp } from '../helpers/test-app';
import { must, setupPrompt } from './generate-clients';

/**
 * One service candidate of the generate benchmark in its own process (started by generate.bench.ts):
 * the app against the emulator at BEDROCK_ENDPOINT, on a fresh database (a fresh PostgreSQL database
 * on DATABASE_URL, dropped on exit; else this process's own in-memory PGlite), with the bench prompt
 * and, for BENCH_CANDIDATE=full, the full pipeline. Prints one JSON line `{ url, wsUrl, key }` (an
 * APP key) when ready; SIGTERM closes the app and drops its database. BENCH_SERVICE_ENV (JSON) adds
 * settings (the trace spool candidates).
 */
async function main(): Promise<void> {
  const endpoint = process.env.BEDROCK_ENDPOINT;
  if (!endpoint) throw new Error('BEDROCK_ENDPOINT (the emulator) is required');
  const extra = JSON.parse(process.env.BENCH_SERVICE_ENV ?? '{}') as Record<string, string>;
  const t = await startTestApp({ LOG_LEVEL: 'silent', MODEL_PROVIDER: 'emulator', BEDROCK_ENDPOINT: endpoint, ...extra });
  let closing = false;
  const close = (): void => {
    if (closing) return;
    closing = true;
    t.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
  // The parent going away (a crashed bench) closes this candidate too.
  process.stdin.on('end', close);
  process.stdin.resume();
  await setupPrompt(t);
  if (process.env.BENCH_CANDIDATE === 'full') await setupFull(t);
  process.stdout.write(`${JSON.stringify({ url: t.url, wsUrl: t.wsUrl, key: await t.keyFor('APP') })}\n`);
}

/** The full pipeline: PII on the output, injection screening of the input and chunks, one GLOBAL budget. */
async function setupFull(t: Parameters<typeof setupPrompt>[0]): Promise<void> {
  await must(
    t,
    `mutation { createGuardrailPolicy(input: { name: "pii-out", appliesTo: [OUTPUT], pii: { entities: [{ type: "EMAIL", action: "ANONYMIZE" }, { type: "CREDIT_DEBIT_CARD_NUMBER", action: "BLOCK" }] } }) { id } }`,
  );
  await must(t, `mutation { createGuardrailPolicy(input: { name: "injection-in", appliesTo: [INPUT], promptInjection: { enabled: true, sensitivity: "MEDIUM", onContext: "DROP" } }) { id } }`);
  await must(t, `mutation { createBudget(input: { name: "global", scope: GLOBAL, period: MONTHLY, limitUsd: 1000000 }) { id } }`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
