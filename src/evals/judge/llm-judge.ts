import { z } from 'zod';
import type { JudgeVerdict } from '../assertions/score-case';

/** The grading tool the judge model is forced to call, so its answer is structured. */
export const GRADE_TOOL = {
  name: 'record_grade',
  description: 'Record the grade of the output: a score from 0 (fails the criteria) to 1 (fully meets them) and a one-sentence reason.',
  inputSchema: {
    type: 'object',
    properties: {
      score: { type: 'number', minimum: 0, maximum: 1, description: '0..1' },
      reason: { type: 'string', description: 'Why, in one sentence.' },
    },
    required: ['score', 'reason'],
  },
} as const;

const JUDGE_SYSTEM =
  'You are a strict grader of AI outputs. Grade the output in <output> against the criteria in <rubric> ' +
  'and, when given, the reference answer in <expected>. Call the record_grade tool exactly once.';

const gradeSchema = z.object({ score: z.number().min(0).max(1), reason: z.string().max(10_000) });

/** The grading prompt: tagged parts, as the emulator's stand-in judge also reads them. */
export function gradingPrompt(input: { output: string; criteria: string; expected: string | null }): string {
  return [
    `<rubric>\n${input.criteria || 'The output is a correct, helpful answer.'}\n</rubric>`,
    ...(input.expected !== null ? [`<expected>\n${input.expected}\n</expected>`] : []),
    `<output>\n${input.output}\n</output>`,
  ].join('\n\n');
}

/** One forced tool call to the judge model (the caller prices it and times it). */
export type JudgeCall = (req: { system: string; prompt: string; tool: typeof GRADE_TOOL }) => Promise<{ toolInput: unknown; text: string }>;

/**
 * LLM-as-judge: the judge model grades through a forced tool call. An answer that cannot be parsed
 * (no tool call, or an input without a 0..1 `score` and a `reason`) is retried once, then reported
 * as a judge error; a provider error is a judge error at once. Never a silent pass.
 */
export async function judgeOutput(call: JudgeCall, input: { output: string; criteria: string; expected: string | null }): Promise<JudgeVerdict> {
  const prompt = gradingPrompt(input);
  let problem = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    let answer: { toolInput: unknown; text: string };
    try {
      answer = await call({ system: JUDGE_SYSTEM, prompt, tool: GRADE_TOOL });
    } catch (err) {
      return { ok: false, error: `the judge call failed: ${(err as Error).message}` };
    }
    if (answer.toolInput === null || answer.toolInput === undefined) {
      problem = `the judge answered without calling ${GRADE_TOOL.name}${answer.text ? ` (${JSON.stringify(answer.text.slice(0, 120))})` : ''}`;
      continue;
    }
    const parsed = gradeSchema.safeParse(answer.toolInput);
    if (parsed.success) return { ok: true, score: parsed.data.score, reason: parsed.data.reason };
    problem = `the judge's answer cannot be parsed: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'} ${i.message}`).join('; ')}`;
  }
  return { ok: false, error: `${problem} (after a retry)` };
}
