import { existsSync } from 'node:fs';
import path from 'node:path';
import { Piscina } from 'piscina';
import { checkText, type CompiledPolicy } from './engine';
import type { CheckTextOptions, GuardrailDirection, Verdict } from './engine/guardrail-engine.types';
import type { InputCheckTask } from './engine/input-check.worker';

/** How the INPUT checks of large screenings leave the event loop. */
export interface InputCheckPoolOptions {
  /** Worker threads. 0 keeps every check inline on the event loop. */
  threads: number;
  /**
   * A text (one request's input, a variable, a history turn, a chunk) of at least this many
   * characters is checked in the pool; a smaller one stays inline, where it costs less than the hop
   * to a thread (the hop is paid per text, so many small texts stay inline too).
   */
  minChars: number;
  /** The worker file (default: the engine's `input-check.worker`). */
  filename?: string;
}

/**
 * The worker file: `input-check.worker.js` beside this file in a build; from the TypeScript sources
 * (jest) a bootstrap that compiles them with the tests' swc hook.
 */
function workerFile(): string {
  const built = path.join(__dirname, 'engine', 'input-check.worker.js');
  return existsSync(built) ? built : path.resolve(__dirname, '../../test/helpers/input-check.worker.js');
}

/**
 * A piscina pool of worker threads that run `checkText` for INPUT screenings large enough to stall
 * the event loop (long inputs, many retrieved chunks): other requests keep streaming while one is
 * checked. Threads start with the first large screening and stop after a minute idle. A policy goes
 * to a worker as its configuration, compiled there once per key.
 */
export class InputCheckPool {
  private pool: Piscina<InputCheckTask, Verdict> | null = null;
  private readonly keys = new WeakMap<CompiledPolicy, number>();
  private nextKey = 1;
  private closed = false;
  /** Checks run in a worker so far. */
  offloaded = 0;
  /** Checks a worker failed (they were then run inline). */
  failed = 0;

  constructor(readonly options: InputCheckPoolOptions) {}

  /** Does a text of `chars` characters go to the pool? */
  wants(chars: number): boolean {
    return !this.closed && this.options.threads > 0 && chars >= this.options.minChars;
  }

  /**
   * `checkText(policy, direction, text, opts)` in a worker thread. A worker that fails (crashed,
   * out of memory) does not fail the request: the check then runs inline.
   */
  check(policy: CompiledPolicy, direction: GuardrailDirection, text: string, opts: CheckTextOptions): Promise<Verdict> {
    let policyKey = this.keys.get(policy);
    if (policyKey === undefined) this.keys.set(policy, (policyKey = this.nextKey++));
    this.pool ??= new Piscina<InputCheckTask, Verdict>({
      filename: this.options.filename ?? workerFile(),
      name: 'checkInput',
      minThreads: this.options.threads,
      maxThreads: this.options.threads,
      idleTimeout: 60_000,
    });
    this.offloaded++;
    return this.pool.run({ policyKey, config: policy.config, direction, text, opts }).catch(() => {
      this.failed++;
      return checkText(policy, direction, text, opts);
    });
  }

  /** Stops the threads (after the checks in flight finish). Later screenings run inline. */
  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = null;
    await pool?.close();
  }
}
