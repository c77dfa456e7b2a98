/** One test case of a JUnit report. */
export interface JunitCase {
  name: string;
  timeMs: number;
  /** The failure message, or null when the case passed. */
  failure: string | null;
  output: string | null;
}

const xml = (s: string) =>
  s
    // Characters XML 1.0 cannot carry at all.
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** A JUnit XML report (the format CI systems read): one testsuite, one testcase per eval case. */
export function junitXml(suite: string, cases: JunitCase[]): string {
  const failures = cases.filter((c) => c.failure !== null).length;
  const time = (ms: number) => (ms / 1000).toFixed(3);
  const total = cases.reduce((s, c) => s + c.timeMs, 0);
  const body = cases
    .map((c) => {
      const inner = [
        c.failure !== null ? `      <failure message="${xml(c.failure.split('\n')[0]!.slice(0, 500))}">${xml(c.failure)}</failure>` : null,
        c.output !== null ? `      <system-out>${xml(c.output)}</system-out>` : null,
      ].filter(Boolean);
      const open = `    <testcase classname="${xml(suite)}" name="${xml(c.name)}" time="${time(c.timeMs)}"`;
      return inner.length ? `${open}>\n${inner.join('\n')}\n    </testcase>` : `${open}/>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="genai-cp" tests="${cases.length}" failures="${failures}" time="${time(total)}">
  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${time(total)}">
${body}
  </testsuite>
</testsuites>
`;
}
