/**
 * Test scripting through the last user message. Each directive is a line of its own, anywhere in
 * the message (other lines are ordinary prompt text); directives count as input tokens like any text.
 *
 * | line                          | effect |
 * | ----------------------------- | ------ |
 * | `#reply: TEXT`                | the reply is exactly TEXT (`\n`, `\t`, `\\` escapes) |
 * | `#tokens: N`                  | the reply is N generated tokens |
 * | `#error: NAME [message]`      | the call fails before the stream with Bedrock error NAME and its HTTP status |
 * | `#error@MODEL_ID: NAME [msg]` | the same, only for calls whose model id (as sent) is MODEL_ID |
 * | `#error-mid: NAME [status]`   | some deltas, then an in-stream exception frame; `status` is the `originalStatusCode` of a ModelStreamErrorException |
 * | `#delay-ms: N`                | waits N ms before the first token |
 * | `#interval-ms: N`             | waits N ms between deltas |
 * | `#chunk-chars: N`             | deltas of N characters instead of one token each |
 * | `#judge: SCORE \| malformed \| text` | a forced grading tool call answers that score, an input without a valid score, or plain text instead of the tool |
 *
 * A directive may also stand in the **system prompt** (e.g. of a prompt version): it then applies
 * to every call, unless the last user message gives the same directive (the message wins).
 */
export interface EmulatorScript {
  reply?: string;
  tokens?: number;
  error?: ScriptedError;
  /** `#error@MODEL_ID` lines, keyed by the exact model id. */
  errorsByModel: Map<string, ScriptedError>;
  errorMid?: { name: string; originalStatusCode?: number };
  delayMs?: number;
  intervalMs?: number;
  chunkChars?: number;
  /** `#judge:` how a forced grading tool call answers: a fixed score, a malformed tool input, or text without the tool. */
  judge?: number | 'malformed' | 'text';
}

/** A scripted Bedrock error: its name and an optional message. */
export interface ScriptedError {
  name: string;
  message?: string;
}

const DIRECTIVE = /^[ \t]*#([a-z-]+)(?:@(\S+))?:[ \t]?(.*?)\r?$/gm;

function unescape(text: string): string {
  return text.replace(/\\([nt\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

function parseError(value: string): ScriptedError | undefined {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(value);
  if (!m) return undefined;
  return m[2] ? { name: m[1], message: m[2] } : { name: m[1] };
}

function parseCount(value: string): number | undefined {
  const n = Number.parseInt(value.trim(), 10);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Reads the directives of a message text; the first occurrence of each directive wins. */
/**
 * The directives of a call: those of the system prompt, overridden directive by directive by those
 * of the last user message.
 */
export function mergeScripts(system: EmulatorScript, user: EmulatorScript): EmulatorScript {
  const merged: EmulatorScript = { ...system, errorsByModel: new Map([...system.errorsByModel, ...user.errorsByModel]) };
  for (const [k, v] of Object.entries(user) as Array<[keyof EmulatorScript, unknown]>) {
    if (k !== 'errorsByModel' && v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
  }
  return merged;
}

export function parseScript(text: string): EmulatorScript {
  const script: EmulatorScript = { errorsByModel: new Map() };
  if (!text.includes('#')) return script;
  for (const m of text.matchAll(DIRECTIVE)) {
    const [, name, target, value] = m;
    if (target !== undefined) {
      const err = name === 'error' ? parseError(value) : undefined;
      if (err && !script.errorsByModel.has(target)) script.errorsByModel.set(target, err);
      continue;
    }
    switch (name) {
      case 'reply':
        script.reply ??= unescape(value);
        break;
      case 'tokens':
        script.tokens ??= parseCount(value);
        break;
      case 'error':
        script.error ??= parseError(value);
        break;
      case 'error-mid': {
        const em = /^\s*([A-Za-z]+)\s*(\d{3})?/.exec(value);
        if (em && !script.errorMid) {
          script.errorMid = em[2] ? { name: em[1], originalStatusCode: Number(em[2]) } : { name: em[1] };
        }
        break;
      }
      case 'delay-ms':
        script.delayMs ??= parseCount(value);
        break;
      case 'interval-ms':
        script.intervalMs ??= parseCount(value);
        break;
      case 'judge': {
        const v = value.trim().toLowerCase();
        if (script.judge !== undefined) break;
        if (v === 'malformed' || v === 'text') script.judge = v;
        else if (/^(0(\.\d+)?|1(\.0+)?)$/.test(v)) script.judge = Number(v);
        break;
      }
      case 'chunk-chars': {
        const n = parseCount(value);
        if (n) script.chunkChars ??= n;
        break;
      }
      default:
        break;
    }
  }
  return script;
}
