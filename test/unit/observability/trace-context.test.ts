import { parse } from 'graphql';
import { firstTraceparent, operationTelemetry, parseTraceparent } from '../../../src/observability/trace-context';
import { boundedOperationName, firstErrorCode } from '../../../src/graphql/operation-log';
import { loadConfig, parseOtelHeaders } from '../../../src/config/config';

describe('W3C traceparent', () => {
  it('reads version 00 and the sampled flag; refuses malformed, all-zero and ff values', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentSpanId: '00f067aa0ba902b7',
      sampled: true,
    });
    expect(parseTraceparent('00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-00')?.sampled).toBe(false);
    // A later version may carry more fields: read as 00.
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra')?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    for (const bad of [
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
      'garbage',
      42,
      null,
    ]) {
      expect(parseTraceparent(bad)).toBeNull();
    }
  });

  it("continues the caller's trace, or starts a new one; keeps a well-formed x-request-id only", () => {
    const t = operationTelemetry({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'k=v', requestId: 'abc-1' });
    expect(t).toEqual({ requestId: 'abc-1', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentSpanId: '00f067aa0ba902b7', sampled: true, traceState: 'k=v' });
    const fresh = operationTelemetry({ traceparent: 'nope', requestId: 'bad id with spaces\n' });
    expect(fresh.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.parentSpanId).toBeNull();
    expect(fresh.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(firstTraceparent(undefined, 'bad', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  });
});

describe('bounded operation names', () => {
  it("uses the root field, `multiple` for several, `unknown` without a usable operation; never the client's name", () => {
    expect(boundedOperationName(parse('query AnyName_1 { traces { edges { cursor } } }'))).toEqual({ type: 'query', name: 'traces' });
    expect(boundedOperationName(parse('subscription S { generate(input: {prompt: "p"}) { __typename } }'))).toEqual({ type: 'subscription', name: 'generate' });
    expect(boundedOperationName(parse('{ a b }'))).toEqual({ type: 'query', name: 'multiple' });
    expect(boundedOperationName(parse('{ __typename }'))).toEqual({ type: 'query', name: '__typename' });
    expect(boundedOperationName(parse('query { ...F } fragment F on Query { a }'))).toEqual({ type: 'query', name: 'multiple' });
    expect(boundedOperationName(parse('query A { a } query B { b }'))).toEqual({ type: 'unknown', name: 'unknown' });
    expect(boundedOperationName(parse('query A { a } query B { b }'), 'B')).toEqual({ type: 'query', name: 'b' });
    expect(boundedOperationName(null)).toEqual({ type: 'unknown', name: 'unknown' });
    expect(firstErrorCode([{ extensions: {} }, { extensions: { code: 'X' } }])).toBe('X');
    expect(firstErrorCode([{}])).toBe('UNKNOWN');
    expect(firstErrorCode(undefined)).toBeNull();
  });
});

describe('OpenTelemetry configuration (standard OTEL_* variables)', () => {
  it('is off by default, on with an endpoint, off again with OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none', () => {
    expect(loadConfig({}).otel.tracesUrl).toBeNull();
    const on = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).otel;
    expect(on).toMatchObject({ tracesUrl: 'http://collector:4318/v1/traces', protocol: 'http/protobuf', sampler: 'parentbased_always_on', captureContent: false });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom' }).otel.tracesUrl).toBe('http://c:4318/custom');
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).otel.tracesUrl).toBeNull();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).otel.tracesUrl).toBeNull();
    expect(loadConfig({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'TRUE' }).otel.captureContent).toBe(true);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/grpc is not supported/);
    expect(parseOtelHeaders('a=1, b=x%20y,bad,=v')).toEqual({ a: '1', b: 'x y' });
  });
});

describe('new trace and span ids', () => {
  afterEach(() => jest.restoreAllMocks());

  it('are drawn from a pooled random buffer (one randomFillSync per 4 KB), never randomBytes per id, in the W3C format and unique', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const crypto = require('node:crypto') as typeof import('node:crypto');
    const perId = jest.spyOn(crypto, 'randomBytes');
    const fills = jest.spyOn(crypto, 'randomFillSync');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { newTraceId, newSpanId } = require('../../../src/observability/trace-context') as typeof import('../../../src/observability/trace-context');
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      traces.add(newTraceId());
      spans.add(newSpanId());
    }
    expect(perId).not.toHaveBeenCalled();
    // 24,000 bytes of ids: 6 or 7 fills of 4 KB.
    expect(fills.mock.calls.length).toBeGreaterThanOrEqual(5);
    expect(fills.mock.calls.length).toBeLessThanOrEqual(7);
    expect(traces.size).toBe(1000);
    expect(spans.size).toBe(1000);
    for (const id of traces) expect(id).toMatch(/^[0-9a-f]{32}$/);
    for (const id of spans) expect(id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('skip an all-zero draw (invalid in W3C)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const crypto = require('node:crypto') as typeof import('node:crypto');
    // The first fill of a fresh module: 16 zero bytes, then 0x01s.
    jest.spyOn(crypto, 'randomFillSync').mockImplementationOnce(((buf: Buffer) => {
      buf.fill(1);
      buf.fill(0, 0, 16);
      return buf;
    }) as unknown as typeof crypto.randomFillSync);
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { newTraceId } = require('../../../src/observability/trace-context') as typeof import('../../../src/observability/trace-context');
      expect(newTraceId()).toBe('01'.repeat(16));
    });
  });
});
