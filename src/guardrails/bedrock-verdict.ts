import type { Finding, Verdict } from './engine/guardrail-engine.types';
import type { GuardrailAssessmentResult } from '../providers/provider';

/**
 * Folds Bedrock's ApplyGuardrail result into a local verdict. Bedrock was sent the locally
 * anonymized text (`local.text`), so its masked output replaces that text. An intervention that
 * names no anonymization, or returns no masked text, is treated as a block: fail closed.
 *
 * @param original The text as it was before any policy touched it (what a BLOCKED verdict carries).
 */
export function mergeBedrockVerdict(original: string, local: Verdict, bedrock: GuardrailAssessmentResult, source?: string): Verdict {
  const findings: Finding[] = [...local.findings, ...bedrock.findings.map((f) => toFinding(f, source))];
  if (bedrock.action !== 'GUARDRAIL_INTERVENED') return { ...local, findings };
  const anonymized = bedrock.findings.some((f) => f.action === 'ANONYMIZED');
  const blocked = bedrock.findings.some((f) => f.action === 'BLOCKED');
  if (blocked || !anonymized || bedrock.outputText === undefined) return { action: 'BLOCKED', text: original, findings };
  return { action: 'ANONYMIZED', text: bedrock.outputText, findings };
}

function toFinding(f: GuardrailAssessmentResult['findings'][number], source?: string): Finding {
  const out: Finding = { kind: f.kind, name: f.name, action: f.action };
  if (f.match !== undefined) out.match = f.match;
  if (source !== undefined) out.source = source;
  return out;
}
