import { startTestApp, wsCollect, type TestApp } from '../../helpers/test-app';
import { createLogger } from '../../../src/observability/logger';

const SUB = `subscription($i: GenerateInput!) { generate(input: $i) { __typename ... on GenerationCompleted { traceId } } }`;
const SECRET_INPUT = 'my very private question about the quarterly numbers';

// Starts an app and runs generations in beforeAll: slow on a busy shared machine.
jest.setTimeout(180_000);
describe('one JSON log line per GraphQL operation (HTTP and graphql-ws)', () => {
  let t: TestApp;
  let app: string;
  const lines: string[] = [];
  const ops = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'graphql operation');

  beforeAll(async () => {
    const logger = createLogger('info', { format: 'json', destination: { write: (s: string) => void lines.push(...s.split('\n').filter(Boolean)) } });
    t = await startTestApp({}, { logger });
    app = await t.keyFor('APP');
    for (const q of [
      'mutation { createPrompt(input: { name: "logs" }) { id } }',
      'mutation { createPromptVersion(input: { prompt: "logs", system: "Be brief.", modelId: "amazon.nova-micro-v1:0" }) { number } }',
      'mutation { promotePromptVersion(input: { prompt: "logs", version: 1, label: "production" }) { promoted } }',
    ]) {
      const r = await t.gql(q);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
    }
  });
  afterAll(() => t?.close());

  it('logs an HTTP operation once: request id, trace id, type, root field, role, duration, outcome', async () => {
    const res = await fetch(t.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${app}`,
        'x-request-id': 'req-abc-123',
        traceparent: '00-5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e-1234123412341234-01',
      },
      body: JSON.stringify({ query: 'mutation Mine { generateOnce(input: $i) { text } }'.replace('$i', `{ prompt: "logs", input: "${SECRET_INPUT}" }`) }),
    });
    expect(res.status).toBe(200);
    const mine = ops().filter((l) => l.requestId === 'req-abc-123');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      level: 30,
      traceId: '5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e',
      transport: 'http',
      operationType: 'mutation',
      operationName: 'generateOnce',
      role: 'APP',
      outcome: 'ok',
      errorCode: null,
    });
    expect(typeof mine[0]!.durationMs).toBe('number');
  });

  it('logs a graphql-ws subscription once, when it completes, with the trace id the client was told', async () => {
    const before = ops().length;
    const r = await wsCollect(t.ws(app), SUB, { i: { prompt: 'logs', input: SECRET_INPUT } });
    const traceId = r[0]!.extensions!.traceId;
    const mine = ops()
      .slice(before)
      .filter((l) => l.traceId === traceId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ transport: 'ws', operationType: 'subscription', operationName: 'generate', role: 'APP', outcome: 'ok' });
  });

  it('logs failures with their error code, for anonymous callers too', async () => {
    const before = ops().length;
    await t.gql('{ prompts { name } }', {}, null);
    await t.gql('{ noSuchField }', {}, app);
    await wsCollect(t.ws(app), '{ noSuchField }').catch(() => undefined);
    const mine = ops().slice(before);
    expect(mine.map((l) => [l.transport, l.operationName, l.role, l.outcome, l.errorCode])).toEqual([
      ['http', 'prompts', null, 'error', 'UNAUTHENTICATED'],
      ['http', 'noSuchField', 'APP', 'error', 'GRAPHQL_VALIDATION_FAILED'],
      ['ws', 'noSuchField', 'APP', 'error', 'GRAPHQL_VALIDATION_FAILED'],
    ]);
  });

  it('never logs secrets or prompt text', () => {
    const all = lines.join('\n');
    expect(all).not.toContain(app);
    expect(all).not.toContain(SECRET_INPUT);
    expect(all).not.toContain('Be brief.');
  });
});
