import { gradingAnswer, isGradingTool, standInGrade } from '../../../src/providers/emulator/emulator.judge';
import { mergeScripts, parseScript } from '../../../src/providers/emulator/emulator.script';
import { gradingPrompt, GRADE_TOOL } from '../../../src/evals/judge/llm-judge';

describe('emulator stand-in judge', () => {
  const prompt = (output: string, expected: string | null = 'The capital of France is Paris.') => gradingPrompt({ output, expected, criteria: 'The answer names the city and says "capital".' });

  it('scores an output with the expected content words and the rubric key terms at least 0.8', () => {
    const g = standInGrade(prompt('Paris is the capital of France.'));
    expect(g.score).toBeGreaterThanOrEqual(0.8);
    expect(g.reason).toContain('3/3 content words of the expected answer and 1/1 rubric key terms');
  });

  it('scores an unrelated output at most 0.2, and a partial one in between', () => {
    expect(standInGrade(prompt('Bananas are yellow.')).score).toBeLessThanOrEqual(0.2);
    const partial = standInGrade(prompt('France is lovely.')).score;
    expect(partial).toBeGreaterThan(0.2);
    expect(partial).toBeLessThan(0.8);
  });

  it('recognizes the grading tool and follows #judge directives', () => {
    expect(isGradingTool(GRADE_TOOL.inputSchema)).toBe(true);
    expect(isGradingTool({ properties: { city: {} } })).toBe(false);
    expect(gradingAnswer(prompt('x'), parseScript('#judge: 0.35'))).toEqual({ toolInput: { score: 0.35, reason: 'scripted score 0.35' } });
    expect(gradingAnswer(prompt('x'), parseScript('#judge: malformed'))).toEqual({ toolInput: expect.not.objectContaining({ score: expect.anything() }) });
    expect(gradingAnswer(prompt('x'), parseScript('#judge: text'))).toHaveProperty('text');
  });
});

describe('emulator directives in the system prompt', () => {
  it('apply to every call unless the last user message gives the same directive', () => {
    const system = parseScript('You are terse.\n#reply: {"answer": 4}\n#delay-ms: 5');
    expect(mergeScripts(system, parseScript('What is 2+2?'))).toMatchObject({ reply: '{"answer": 4}', delayMs: 5 });
    expect(mergeScripts(system, parseScript('#reply: five'))).toMatchObject({ reply: 'five', delayMs: 5 });
  });
});
