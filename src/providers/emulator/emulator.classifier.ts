/**
 * The emulator's stand-in for a model asked for a prompt-attack verdict, shared by the forced tool
 * call (Converse with `toolChoice`) and ApplyGuardrail's PROMPT_ATTACK content filter. Deterministic:
 * `#verdict: injection` / `#verdict: benign` in the text decides; otherwise a text that asks to
 * ignore, disregard or forget instructions or rules (any language the rule lists) is an attack.
 */
const ATTACK =
  /\b(?:ignore|disregard|forget|override|bypass|ignora|ignorez|oublie|olvida|vergiss|ignoriere|esque[cç]a|dimentica)\b[^.!?\n]{0,60}\b(?:instructions?|rules|prompt|guidelines|instrucciones|consignes|anweisungen|istruzioni|instru[cç][oõ]es|regeln|reglas|r[eè]gles)\b/i;

export interface EmulatedVerdict {
  verdict: 'injection' | 'benign';
  confidence: number;
}

export function emulatedPromptAttackVerdict(text: string): EmulatedVerdict {
  const scripted = /#verdict:\s*(injection|benign)\b/i.exec(text);
  if (scripted) return { verdict: scripted[1]!.toLowerCase() as EmulatedVerdict['verdict'], confidence: 0.99 };
  return ATTACK.test(text) ? { verdict: 'injection', confidence: 0.9 } : { verdict: 'benign', confidence: 0.8 };
}

/**
 * The input a forced tool call answers with (after the stand-in judge's grading tools): for a tool
 * whose input schema has a `verdict` property, the verdict above; for any other tool, an empty object.
 */
export function emulatedToolInput(inputSchema: unknown, userText: string): Record<string, unknown> {
  const props = (inputSchema as { properties?: Record<string, unknown> } | null)?.properties ?? {};
  if ('verdict' in props) return { ...emulatedPromptAttackVerdict(userText) };
  return {};
}
