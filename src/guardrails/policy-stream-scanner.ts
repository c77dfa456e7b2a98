import { createStreamScanner, type CompiledPolicy, type StreamScanner } from './engine';
import type { Finding, Verdict } from './engine/guardrail-engine.types';
import type { ActivePolicy, GuardrailApplier } from './guardrail-policy.service';
import { mergeBedrockVerdict } from './bedrock-verdict';

/** One finding and the policy that made it. */
export interface PolicyFinding {
  policy: ActivePolicy;
  finding: Finding;
}

/** The result of feeding a delta (or the end) to a policy stream scanner. */
export interface PolicyStreamStep {
  /**
   * Text every policy has passed (anonymized where a policy said so): safe to send to the client.
   * Empty on a blocked step of the local chain; behind Bedrock it may hold segments that passed
   * before the block.
   */
  release: string;
  /** The policy that blocked the stream and its verdict, on the step it blocked and every step after. */
  blocked?: { policy: ActivePolicy; verdict: Verdict };
  /** New findings of this step, in policy order. */
  findings: PolicyFinding[];
}

/** Several policies over one streamed text, as one scanner. */
export interface PolicyStreamScanner {
  push(delta: string): PolicyStreamStep;
  /** Flushes every held-back tail through the remaining policies. Call once, after the last delta. */
  end(): PolicyStreamStep;
  /** The policy that blocked, if any. */
  readonly blockedBy: ActivePolicy | undefined;
}

/** Options of {@link createPolicyStreamScanner}. */
export interface PolicyStreamScannerOptions {
  /** Copied into every finding's `source`. */
  source?: string;
  /** Builds one policy's scanner; default: the engine's `createStreamScanner`. */
  makeScanner?: (policy: CompiledPolicy, opts: { source?: string }) => StreamScanner;
}

/**
 * Chains the policies' stream scanners: what policy i releases is pushed into policy i+1, so the
 * client only ever gets text that every policy has released. After a block nothing more is
 * released. With no policies, every delta is released as is.
 */
export function createPolicyStreamScanner(policies: readonly ActivePolicy[], opts: PolicyStreamScannerOptions = {}): PolicyStreamScanner {
  const make = opts.makeScanner ?? createStreamScanner;
  const scannerOpts = opts.source === undefined ? {} : { source: opts.source };
  const chain = policies.map((policy) => ({ policy, scanner: make(policy.compiled, scannerOpts) }));
  let blocked: PolicyStreamStep['blocked'];
  let ended = false;

  /** Feeds `text` through the chain; `flush` also ends each scanner after its last push. */
  const run = (text: string, flush: boolean): PolicyStreamStep => {
    const found: PolicyFinding[] = [];
    let chunk = text;
    for (const { policy, scanner } of chain) {
      let out = '';
      let verdict: Verdict | undefined;
      // The push (when there is text), then on a flush the end: one call each, no closures or arrays per delta.
      if (chunk) {
        const r = scanner.push(chunk);
        for (const finding of r.findings) found.push({ policy, finding });
        if (r.blocked) verdict = r.blocked;
        else out = r.release;
      }
      if (flush && !verdict) {
        const r = scanner.end();
        for (const finding of r.findings) found.push({ policy, finding });
        if (r.blocked) verdict = r.blocked;
        else out += r.release;
      }
      if (verdict) {
        blocked = { policy, verdict };
        return { release: '', blocked, findings: found };
      }
      chunk = out;
    }
    return { release: chunk, findings: found };
  };

  return {
    push(delta) {
      if (ended) throw new Error('push() after end()');
      if (blocked) return { release: '', blocked, findings: [] };
      return run(delta, false);
    },
    end() {
      if (ended) throw new Error('end() called twice');
      ended = true;
      if (blocked) return { release: '', blocked, findings: [] };
      return run('', true);
    },
    get blockedBy() {
      return blocked?.policy;
    },
  };
}

/** A {@link PolicyStreamScanner} whose steps may wait for Bedrock. */
export interface AsyncPolicyStreamScanner {
  push(delta: string): Promise<PolicyStreamStep>;
  end(): Promise<PolicyStreamStep>;
  readonly blockedBy: ActivePolicy | undefined;
}

/** Options of {@link withBedrockGuardrails}. */
export interface BedrockStreamOptions {
  /** Copied into every Bedrock finding's `source`. */
  source?: string;
  /** A segment is sent once it is at least this long and ends a sentence (default 200 characters). */
  minSegmentChars?: number;
  /** A segment is sent when it reaches this length, sentence end or not (default 1000: one Bedrock text unit). */
  maxSegmentChars?: number;
}

const SENTENCE_END = /[.!?\n][)"'\]]*\s/g;

/**
 * Puts the Bedrock guardrails of `policies` behind a local chain: what the local scanners release
 * is gathered into sentence-sized segments, each sent to ApplyGuardrail (OUTPUT) for every policy
 * with a `bedrockGuardrail`, in order, and released only as Bedrock returns it. Segments end at a
 * sentence boundary so an entity rarely straddles two calls, and stay within one 1000-character
 * billing unit. Without such a policy the local scanner is wrapped as is (no added latency).
 */
export function withBedrockGuardrails(local: PolicyStreamScanner, policies: readonly ActivePolicy[], applier: GuardrailApplier | undefined, opts: BedrockStreamOptions = {}): AsyncPolicyStreamScanner {
  const remote = policies.filter((p) => p.bedrockGuardrail);
  const minChars = opts.minSegmentChars ?? 200;
  const maxChars = opts.maxSegmentChars ?? 1000;
  if (remote.length === 0) {
    return {
      push: async (delta) => local.push(delta),
      end: async () => local.end(),
      get blockedBy() {
        return local.blockedBy;
      },
    };
  }
  if (!applier) throw new Error(`guardrail policy "${remote[0]!.name}" uses a Bedrock guardrail but no model provider is configured`);
  let pending = '';
  let blocked: PolicyStreamStep['blocked'];

  const lastSentenceEnd = (text: string): number => {
    let cut = 0;
    for (const m of text.matchAll(SENTENCE_END)) cut = m.index + m[0].length;
    return cut;
  };
  const cutPoint = (final: boolean): number => {
    if (final) return pending.length;
    // Prefer the last sentence end inside the limit; else cut hard at the limit.
    if (pending.length >= maxChars) return lastSentenceEnd(pending.slice(0, maxChars)) || maxChars;
    if (pending.length < minChars) return 0;
    const cut = lastSentenceEnd(pending);
    return cut >= minChars ? cut : 0;
  };

  const drain = async (step: PolicyStreamStep, final: boolean): Promise<PolicyStreamStep> => {
    if (step.blocked) {
      blocked = step.blocked;
      pending = '';
      return step;
    }
    pending += step.release;
    const findings = [...step.findings];
    let release = '';
    for (let cut = cutPoint(final); cut > 0; cut = cutPoint(final)) {
      const segment = pending.slice(0, cut);
      pending = pending.slice(cut);
      let text = segment;
      for (const policy of remote) {
        const { identifier, version } = policy.bedrockGuardrail!;
        const r = await applier.applyGuardrail(identifier, version, 'OUTPUT', text);
        const v = mergeBedrockVerdict(text, { action: 'NONE', text, findings: [] }, r, opts.source);
        for (const finding of v.findings) findings.push({ policy, finding });
        if (v.action === 'BLOCKED') {
          blocked = { policy, verdict: v };
          pending = '';
          return { release, blocked, findings };
        }
        text = v.text;
      }
      release += text;
    }
    return { release, findings };
  };

  let ended = false;
  return {
    async push(delta) {
      if (ended) throw new Error('push() after end()');
      if (blocked) return { release: '', blocked, findings: [] };
      return drain(local.push(delta), false);
    },
    async end() {
      if (ended) throw new Error('end() called twice');
      ended = true;
      if (blocked) return { release: '', blocked, findings: [] };
      return drain(local.end(), true);
    },
    get blockedBy() {
      return blocked?.policy;
    },
  };
}
