import { EmulatorError } from './emulator.model';
import type { GuardrailDirection } from '../../core/guardrail-direction';
import { emulatedPromptAttackVerdict } from './emulator.classifier';

/**
 * The emulator's ApplyGuardrail: a deterministic rule selected by the guardrail identifier.
 *
 * - Every guardrail detects EMAIL (`name@host.tld`) and US_SOCIAL_SECURITY_NUMBER (`123-45-6789`)
 *   and anonymizes them as `{EMAIL}` / `{US_SOCIAL_SECURITY_NUMBER}` (action ANONYMIZED,
 *   GUARDRAIL_INTERVENED, `outputs` holds the masked text).
 * - An identifier containing `pii-block` blocks PII instead of masking it.
 * - An identifier of the form `deny-<word>` denies the topic `<word>`: when the text contains
 *   `<word>` as a whole word (case-insensitive), the topic policy reports DENY/BLOCKED and
 *   `outputs` is {@link BLOCKED_MESSAGE}. Blocking wins over masking.
 * - An identifier containing `prompt-attack` has the PROMPT_ATTACK content filter: on INPUT, a
 *   text the emulator's stand-in classifier calls an attack (`emulator.classifier.ts`) is blocked
 *   (contentPolicy filter PROMPT_ATTACK, confidence HIGH, BLOCKED).
 * - The identifier `allow-all` never intervenes.
 * The version must be `DRAFT` or a number, as on Bedrock.
 */
export const BLOCKED_MESSAGE = 'Sorry, the model cannot answer this question.';

const PII_PATTERNS: ReadonlyArray<{ type: string; pattern: RegExp }> = [
  { type: 'EMAIL', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g },
  { type: 'US_SOCIAL_SECURITY_NUMBER', pattern: /\b\d{3}-\d{2}-\d{4}\b/g },
];

interface ApplyGuardrailBody {
  source: GuardrailDirection;
  texts: string[];
}

/** Validates an ApplyGuardrail body; throws EmulatorError(ValidationException). */
export function parseApplyGuardrailBody(raw: unknown): ApplyGuardrailBody {
  const body = raw as { source?: unknown; content?: unknown } | null;
  if (!body || (body.source !== 'INPUT' && body.source !== 'OUTPUT')) {
    throw new EmulatorError('ValidationException', "Value at 'source' failed to satisfy constraint: Member must satisfy enum value set: [INPUT, OUTPUT]");
  }
  if (!Array.isArray(body.content)) throw new EmulatorError('ValidationException', "Value at 'content' must not be null");
  const texts: string[] = [];
  for (const block of body.content as unknown[]) {
    const text = (block as { text?: { text?: unknown } } | null)?.text?.text;
    if (typeof text === 'string') texts.push(text);
  }
  return { source: body.source, texts };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Applies the emulator rule; returns the ApplyGuardrail response body (BEDROCK.md section 3). */
export function applyGuardrail(identifier: string, version: string, body: ApplyGuardrailBody): Record<string, unknown> {
  if (!/^(DRAFT|[1-9][0-9]{0,7})$/.test(version)) {
    throw new EmulatorError('ValidationException', `Value '${version}' at 'guardrailVersion' failed to satisfy constraint.`);
  }
  const started = process.hrtime.bigint();
  const text = body.texts.join('\n');
  const chars = text.length;
  const units = Math.max(1, Math.ceil(chars / 1000));
  const allowAll = identifier === 'allow-all';

  const piiEntities: Array<{ match: string; type: string; action: 'ANONYMIZED' | 'BLOCKED'; detected: true }> = [];
  let masked = text;
  if (!allowAll) {
    const piiAction = identifier.includes('pii-block') ? 'BLOCKED' : 'ANONYMIZED';
    for (const { type, pattern } of PII_PATTERNS) {
      masked = masked.replace(pattern, (match) => {
        piiEntities.push({ match, type, action: piiAction, detected: true });
        return `{${type}}`;
      });
    }
  }

  const deny = /^deny-(.+)$/.exec(identifier);
  const topicHit = !allowAll && deny !== null && new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(deny[1])}($|[^\\p{L}\\p{N}])`, 'iu').test(text);
  const piiBlocked = piiEntities.some((e) => e.action === 'BLOCKED');
  const promptAttackFilter = !allowAll && identifier.includes('prompt-attack');
  const attack = promptAttackFilter && body.source === 'INPUT' && emulatedPromptAttackVerdict(text).verdict === 'injection';
  const blocked = topicHit || piiBlocked || attack;
  const intervened = blocked || piiEntities.length > 0;

  const usage = {
    topicPolicyUnits: deny ? units : 0,
    contentPolicyUnits: promptAttackFilter ? units : 0,
    wordPolicyUnits: 0,
    sensitiveInformationPolicyUnits: allowAll ? 0 : units,
    sensitiveInformationPolicyFreeUnits: 0,
    contextualGroundingPolicyUnits: 0,
  };
  const assessment: Record<string, unknown> = {
    invocationMetrics: {
      guardrailProcessingLatency: Number((process.hrtime.bigint() - started) / 1_000_000n),
      usage,
      guardrailCoverage: { textCharacters: { guarded: chars, total: chars } },
    },
  };
  if (topicHit && deny) {
    assessment.topicPolicy = { topics: [{ name: deny[1], type: 'DENY', action: 'BLOCKED', detected: true }] };
  }
  if (piiEntities.length > 0) assessment.sensitiveInformationPolicy = { piiEntities, regexes: [] };
  if (attack) assessment.contentPolicy = { filters: [{ type: 'PROMPT_ATTACK', confidence: 'HIGH', filterStrength: 'HIGH', action: 'BLOCKED', detected: true }] };

  return {
    usage,
    action: intervened ? 'GUARDRAIL_INTERVENED' : 'NONE',
    ...(intervened ? { actionReason: blocked ? 'Guardrail blocked.' : 'Guardrail masked.' } : {}),
    outputs: intervened ? [{ text: blocked ? BLOCKED_MESSAGE : masked }] : [],
    assessments: [assessment],
    guardrailCoverage: { textCharacters: { guarded: chars, total: chars } },
  };
}
