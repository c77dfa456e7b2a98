import { checkText, compilePolicy, createStreamScanner, scoreInjection } from '../../src/guardrails/engine';
import { parseGuardrailPolicyConfig } from '../../src/guardrails/guardrail-policy.schemas';

/**
 * Guardrail engine throughput on one core, for a realistic policy: the common PII set (structured
 * types plus NAME and ADDRESS), prompt injection at MEDIUM and a word filter with profanity.
 * The text is generated here (support/devops style prose with PII sprinkled in), not taken from
 * the evaluation corpora.
 */

const POLICY = compilePolicy(
  parseGuardrailPolicyConfig({
    pii: {
      entities: (
        [
          'EMAIL',
          'PHONE',
          'CREDIT_DEBIT_CARD_NUMBER',
          'US_SOCIAL_SECURITY_NUMBER',
          'INTERNATIONAL_BANK_ACCOUNT_NUMBER',
          'IP_ADDRESS',
          'MAC_ADDRESS',
          'URL',
          'AWS_ACCESS_KEY',
          'AWS_SECRET_KEY',
          'NAME',
          'ADDRESS',
        ] as const
      ).map((type) => ({ type, action: type === 'CREDIT_DEBIT_CARD_NUMBER' ? 'BLOCK' : 'ANONYMIZE' })),
    },
    wordFilters: { words: ['project orchid', 'internal only', 'zorblax'], profanity: true },
    promptInjection: { enabled: true, sensitivity: 'MEDIUM' },
  }),
);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PROSE = [
  'Thanks for reaching out about the delayed shipment; the carrier has confirmed a new delivery window.',
  'To rotate the credentials, open the console, choose the service account and create a new key pair.',
  'The nightly job failed because the disk on the build agent was full, so we cleaned the cache and retried.',
  'Please make sure the staging environment mirrors production before we run the load test on Thursday.',
  'Our refund policy allows returns within thirty days of delivery when the item is unused.',
  'The dashboard shows a spike in latency around midnight, which matches the backup window.',
  'I have attached the updated onboarding checklist; comments are welcome until the end of the week.',
  'When the cluster scales out, new nodes join the pool and start receiving traffic after the health check.',
];
const FIRST = ['Maria', 'James', 'Aisha', 'Kenji', 'Olga', 'Tobias', 'Priya', 'Lucas'];
const LAST = ['Gonzalez', 'Okafor', 'Lindqvist', 'Tanaka', 'Brennan', 'Moreau', 'Haddad', 'Novak'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

export function makeText(bytes: number, seed: number): string {
  const r = rng(seed);
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    const x = r();
    let s: string;
    if (x < 0.7) s = pick(r, PROSE);
    else if (x < 0.76) s = `Please contact ${pick(r, FIRST)} ${pick(r, LAST)} at ${pick(r, FIRST).toLowerCase()}.${pick(r, LAST).toLowerCase()}@example.com.`;
    else if (x < 0.8) s = `You can call the desk on +1 415 555 01${String(Math.floor(r() * 90) + 10)} during business hours.`;
    else if (x < 0.84) s = `The service at 10.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)} answers on https://status.example.com/api/v2.`;
    else if (x < 0.87) s = `Ship it to ${100 + Math.floor(r() * 9000)} Oak Street, Springfield, IL 62704 by Friday.`;
    else if (x < 0.9) s = 'Order ORD-2024-118823 shipped on 2024-03-18 with tracking 1Z999AA10123456784.';
    else if (x < 0.93) s = 'Version 10.0.19045.3570 fixed the driver issue reported in ticket 48213.';
    else s = `Dear ${pick(r, FIRST)}, the invoice for March is attached; let us know if anything looks off.`;
    parts.push(s);
    n += s.length + 1;
  }
  return parts.join(r() < 0.5 ? ' ' : '\n');
}

function mbPerSecond(chars: number, ns: bigint): number {
  return chars / (1024 * 1024) / (Number(ns) / 1e9);
}

function time(fn: () => void): bigint {
  const t0 = process.hrtime.bigint();
  fn();
  return process.hrtime.bigint() - t0;
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Runs the guardrail benchmarks; returns figures by name (MB/s, µs per delta, work ratios). */
export async function benchGuardrails(): Promise<Record<string, number | string>> {
  const totalChars = Number(process.env.BENCH_GUARDRAILS_BYTES ?? 1_000_000);
  const messageChars = 2_000;
  const messages: string[] = [];
  for (let i = 0, n = 0; n < totalChars; i++) {
    const m = makeText(messageChars, 1000 + i);
    messages.push(m);
    n += m.length;
  }
  const chars = messages.reduce((a, m) => a + m.length, 0);

  // Warm-up (JIT, lazily built regexes, the compromise lexicon).
  for (const m of messages.slice(0, 20)) {
    checkText(POLICY, 'INPUT', m);
    checkText(POLICY, 'OUTPUT', m);
  }

  let anonymized = 0;
  const inputNs = time(() => {
    for (const m of messages) if (checkText(POLICY, 'INPUT', m).action !== 'NONE') anonymized++;
  });
  const outputNs = time(() => {
    for (const m of messages) checkText(POLICY, 'OUTPUT', m);
  });
  const injectionNs = time(() => {
    for (const m of messages) scoreInjection(m, false);
  });

  // Streaming: ~20-character deltas, as model token chunks arrive.
  const stream = messages.slice(0, Math.max(1, Math.floor(messages.length / 2))).join('\n');
  const scanner = createStreamScanner(POLICY);
  let deltas = 0;
  let released = 0;
  const streamNs = time(() => {
    for (let i = 0; i < stream.length; i += 20) {
      released += scanner.push(stream.slice(i, i + 20)).release.length;
      deltas++;
    }
    released += scanner.end().release.length;
  });
  const st = scanner.stats();

  return {
    policy: 'PII (12 types incl. NAME, ADDRESS) + injection MEDIUM + word filter with profanity',
    textMB: round(chars / (1024 * 1024), 3),
    messageChars,
    messagesFlagged: anonymized,
    checkInputMBps: round(mbPerSecond(chars, inputNs)),
    checkOutputMBps: round(mbPerSecond(chars, outputNs)),
    injectionOnlyMBps: round(mbPerSecond(chars, injectionNs)),
    streamMBps: round(mbPerSecond(stream.length, streamNs)),
    streamDeltaChars: 20,
    streamMicrosPerDelta: round(Number(streamNs) / 1e3 / deltas, 1),
    streamScannedPerReceived: round(st.scannedChars / st.receivedChars),
    streamReleasedChars: released,
  };
}
