import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2, { type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Logger } from '../../observability/logger';
import { resolveModel, type ModelInfo } from '../catalog';
import { BEDROCK_ERROR_STATUS } from '../provider.errors';
import { countTokens, splitTokens } from '../tokens';
import { listFoundationModels, listInferenceProfiles, regionOf } from './emulator.control-plane';
import { invokeTitanEmbed, TITAN_EMBED_V2 } from './emulator.embeddings';
import { applyGuardrail, parseApplyGuardrailBody } from './emulator.guardrail';
import { emulatedToolInput } from './emulator.classifier';
import {
  computeInputUsage,
  countInputTokens,
  EmulatorError,
  lastUserText,
  parseConverseBody,
  parseScript,
  systemText,
  forcedTool,
  planReply,
  PromptCacheStore,
  type ConverseBody,
  type EmulatorUsage,
  type PlannedReply,
} from './emulator.model';
import { mergeScripts, type EmulatorScript, type ScriptedError } from './emulator.script';
import { gradingAnswer, isGradingTool } from './emulator.judge';
import { encodeErrorFrame, encodeEvent, encodeException } from './event-stream';

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** TCP port; default 0 (an ephemeral port). */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Receives one debug line per request and warnings for handler failures. */
  logger?: Pick<Logger, 'debug' | 'warn'>;
  /** Prompt-cache TTL in ms; default 5 minutes, as Bedrock's default cache point. */
  cacheTtlMs?: number;
}

/** What the emulator saw of one ConverseStream call, emitted as `stream-end` when it is over. */
export interface EmulatorStreamEnd {
  requestId: string;
  modelId: string;
  httpVersion: string;
  /** Text deltas written before the stream ended. */
  deltasSent: number;
  /** Text deltas the reply had in total. */
  deltasPlanned: number;
  /** True when every frame up to `metadata` was written. */
  completed: boolean;
  /** True when the client closed the connection (or reset the HTTP/2 stream) before the end. */
  clientClosed: boolean;
}

/** Events for tests and tools watching the emulator. */
export interface EmulatorEvents {
  /** Every handled request: operation, model or guardrail id, HTTP status and version. */
  request: [{ operation: string; id?: string; status: number; httpVersion: string }];
  /** A ConverseStream call whose response has begun (headers and `messageStart` written). */
  'stream-start': [{ requestId: string; modelId: string; httpVersion: string }];
  'stream-end': [EmulatorStreamEnd];
}

/** A running emulator. */
export interface RunningEmulator {
  /** `http://host:port`, to pass as the SDK client's `endpoint`. */
  url: string;
  port: number;
  events: EventEmitter<EmulatorEvents>;
  /** Forgets every cached prompt prefix. */
  clearPromptCache(): void;
  /** Stops listening and destroys open connections and HTTP/2 sessions. */
  close(): Promise<void>;
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const MAX_BODY_BYTES = 25 * 1024 * 1024;
const ERROR_TYPE_SUFFIX = ':http://internal.amazon.com/coral/com.amazon.bedrock/';

/** Exception members ConverseStream models as frames (BEDROCK.md section 1); others travel as modelStreamErrorException. */
const STREAM_EXCEPTIONS = new Set(['InternalServerException', 'ModelStreamErrorException', 'ValidationException', 'ThrottlingException', 'ServiceUnavailableException']);

/** Waits `ms`, or less when the response closes first (a gone client, or the emulator shutting down). */
function sleep(ms: number, res?: AnyResponse): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res?.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    res?.once('close', done);
  });
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

async function readBody(req: AnyRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new EmulatorError('ValidationException', 'Request body too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseJson(buf: Buffer): unknown {
  if (buf.length === 0) return {};
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw new EmulatorError('ValidationException', 'Malformed request body: not valid JSON.');
  }
}

/**
 * Resolves the model id of a runtime call as Bedrock would: unknown ids are a ValidationException
 * (a ResourceNotFoundException for ARNs), and profile-only models refuse their base id.
 */
function resolveInvocationModel(modelId: string): ModelInfo {
  const model = resolveModel(modelId);
  if (!model) {
    if (modelId.startsWith('arn:')) throw new EmulatorError('ResourceNotFoundException', `Model not found: ${modelId}`);
    throw new EmulatorError('ValidationException', 'The provided model identifier is invalid.');
  }
  if (model.profileOnly && model.profilePrefix === null) {
    throw new EmulatorError(
      'ValidationException',
      `Invocation of model ID ${model.modelId} with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model.`,
    );
  }
  return model;
}

function requireChat(model: ModelInfo): void {
  if (model.kind !== 'chat') throw new EmulatorError('ValidationException', "This model doesn't support the Converse API.");
}

/** The scripted pre-call error for this model id: `#error@ID` (exact id, or its base id) wins over `#error`. */
function scriptedError(script: EmulatorScript, modelId: string, model: ModelInfo): ScriptedError | undefined {
  return script.errorsByModel.get(modelId) ?? script.errorsByModel.get(model.modelId) ?? script.error;
}

function throwScripted(err: ScriptedError): never {
  const extra: Record<string, unknown> = {};
  if (err.name === 'ModelErrorException') Object.assign(extra, { originalStatusCode: 500, resourceName: 'emulator' });
  throw new EmulatorError(err.name, err.message ?? `Scripted ${err.name} from the emulator.`, extra);
}

interface PreparedCall {
  model: ModelInfo;
  body: ConverseBody;
  plan: PlannedReply;
  usage: EmulatorUsage;
}

/** Shared by Converse and ConverseStream: validation, scripted errors, cache accounting, the reply. */
function prepareConverse(modelId: string, raw: unknown, cache: PromptCacheStore, streaming: boolean): PreparedCall {
  const model = resolveInvocationModel(modelId);
  requireChat(model);
  const body = parseConverseBody(raw);
  const maxTokens = body.inferenceConfig?.maxTokens;
  if (maxTokens !== undefined && maxTokens > model.maxOutputTokens) {
    throw new EmulatorError(
      'ValidationException',
      `The maximum tokens you requested exceeds the model limit of ${model.maxOutputTokens}. Try again with a maximum tokens value that is lower than ${model.maxOutputTokens}.`,
    );
  }
  // A directive in the system prompt applies to every call, unless the last user message gives the same one.
  const script = mergeScripts(parseScript(systemText(body)), parseScript(lastUserText(body)));
  const err = scriptedError(script, modelId, model);
  if (err) throwScripted(err);
  // A non-streamed call cannot fail half-way: `#error-mid` fails it outright.
  if (!streaming && script.errorMid) throwScripted({ name: script.errorMid.name });
  const input = computeInputUsage(model, body, cache);
  const plan = planReply(modelId, model, body, script);
  const outputTokens = splitTokens(plan.text).length;
  return {
    model,
    body,
    plan,
    usage: {
      ...input,
      outputTokens,
      totalTokens: input.inputTokens + outputTokens + input.cacheReadInputTokens + input.cacheWriteInputTokens,
    },
  };
}

/** Counts every string leaf of a model-native InvokeModel body (CountTokens `invokeModel` input). */
function countJsonStrings(value: unknown): number {
  if (typeof value === 'string') return countTokens(value);
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countJsonStrings(v), 0);
  if (value && typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + countJsonStrings(v), 0);
  return 0;
}

function countTokensBody(raw: unknown): number {
  const input = (raw as { input?: { converse?: unknown; invokeModel?: { body?: unknown } } } | null)?.input;
  if (input?.converse !== undefined) {
    const c = input.converse as { messages?: unknown; system?: unknown; toolConfig?: unknown };
    // The same rule as the usage a Converse call reports.
    return countInputTokens(parseConverseBody({ messages: c.messages ?? [], system: c.system, toolConfig: c.toolConfig }));
  }
  if (typeof input?.invokeModel?.body === 'string') {
    return countJsonStrings(parseJson(Buffer.from(input.invokeModel.body, 'base64')));
  }
  throw new EmulatorError('ValidationException', "Value at 'input' failed to satisfy constraint: Member must have exactly one of converse, invokeModel.");
}

/**
 * Starts a Bedrock-compatible emulator: Bedrock Runtime (Converse, ConverseStream, CountTokens,
 * InvokeModel for Titan Text Embeddings V2, ApplyGuardrail) and the control-plane listings
 * (ListFoundationModels, ListInferenceProfiles) on one port.
 *
 * The port speaks HTTP/1.1 and cleartext HTTP/2 (prior knowledge): the first bytes of each
 * connection decide, because the runtime SDK client defaults to HTTP/2 while `NodeHttpHandler`
 * and the control-plane client use HTTP/1.1.
 *
 * Replies are deterministic (seeded by model, system and messages) and scriptable through the last
 * user message, see `emulator.script.ts`. Token counting follows `tokens.ts`; usage and prompt
 * caching follow `computeInputUsage`.
 */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const logger = opts.logger;
  const cache = new PromptCacheStore(opts.cacheTtlMs);
  const events = new EventEmitter<EmulatorEvents>();
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();

  const sendJson = (res: AnyResponse, status: number, body: unknown, requestId: string, extraHeaders: Record<string, string> = {}): void => {
    const payload = Buffer.from(JSON.stringify(body));
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(payload.length),
      'x-amzn-requestid': requestId,
      ...extraHeaders,
    });
    res.end(payload);
  };

  const sendError = (res: AnyResponse, err: EmulatorError, requestId: string): number => {
    const status = BEDROCK_ERROR_STATUS[err.errorName] ?? 500;
    sendJson(res, status, { message: err.message, ...err.extra }, requestId, { 'x-amzn-errortype': `${err.errorName}${ERROR_TYPE_SUFFIX}` });
    return status;
  };

  async function converseStream(req: AnyRequest, res: AnyResponse, modelId: string, requestId: string): Promise<number> {
    const started = Date.now();
    const call = prepareConverse(modelId, parseJson(await readBody(req)), cache, true);
    const { plan } = call;
    const script = plan.script;
    let clientClosed = false;
    let completed = false;
    let deltasSent = 0;
    const onClose = (): void => {
      if (!completed) clientClosed = true;
    };
    res.once('close', onClose);
    const write = async (frame: Uint8Array): Promise<void> => {
      if (clientClosed || res.destroyed) {
        clientClosed = true;
        return;
      }
      // Both response kinds are Writables; their `write` overloads just do not unify in the types.
      if (!(res as ServerResponse).write(frame)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        });
      }
    };

    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': requestId });
    await write(encodeEvent('messageStart', { role: 'assistant' }));
    events.emit('stream-start', { requestId, modelId, httpVersion: req.httpVersion });
    await sleep(script.delayMs ?? 0, res);
    // `#error-mid`: about half the deltas (at least one when there are any), then the exception frame.
    const failAfter = script.errorMid ? Math.min(plan.deltas.length, Math.max(1, Math.ceil(plan.deltas.length / 2))) : -1;
    for (let i = 0; i <= plan.deltas.length && !clientClosed; i++) {
      if (i === failAfter && script.errorMid) {
        const { name, originalStatusCode } = script.errorMid;
        const message = `Scripted ${name} from the emulator after ${i} deltas.`;
        if (STREAM_EXCEPTIONS.has(name)) {
          const extra = name === 'ModelStreamErrorException' ? { originalStatusCode: originalStatusCode ?? 500, originalMessage: message } : {};
          await write(encodeException(lowerFirst(name), { message, ...extra }));
        } else if (BEDROCK_ERROR_STATUS[name] !== undefined) {
          // A Bedrock error ConverseStream does not model as a frame reaches the client wrapped.
          await write(encodeException('modelStreamErrorException', { message, originalStatusCode: originalStatusCode ?? BEDROCK_ERROR_STATUS[name], originalMessage: `${name}: ${message}` }));
        } else {
          await write(encodeErrorFrame(name, message));
        }
        const closedEarly = clientClosed;
        completed = true;
        res.end();
        events.emit('stream-end', { requestId, modelId, httpVersion: req.httpVersion, deltasSent, deltasPlanned: plan.deltas.length, completed: false, clientClosed: closedEarly });
        return 200;
      }
      if (i === plan.deltas.length) break;
      if (i > 0) await sleep(script.intervalMs ?? 0, res);
      if (clientClosed) break;
      await write(encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: plan.deltas[i] } }));
      if (!clientClosed) deltasSent++;
    }
    if (!clientClosed) {
      // Bedrock sends no contentBlockStart for text blocks: a text block begins with its first delta.
      if (plan.deltas.length > 0) await write(encodeEvent('contentBlockStop', { contentBlockIndex: 0 }));
      await write(encodeEvent('messageStop', { stopReason: plan.stopReason }));
      await write(encodeEvent('metadata', { usage: call.usage, metrics: { latencyMs: Date.now() - started } }));
      completed = !clientClosed;
      res.end();
    }
    res.off('close', onClose);
    events.emit('stream-end', { requestId, modelId, httpVersion: req.httpVersion, deltasSent, deltasPlanned: plan.deltas.length, completed, clientClosed });
    return 200;
  }

  async function converse(req: AnyRequest, res: AnyResponse, modelId: string, requestId: string): Promise<number> {
    const started = Date.now();
    const call = prepareConverse(modelId, parseJson(await readBody(req)), cache, false);
    // A non-streamed call answers when the generation is done: as long as the stream would take.
    const { delayMs = 0, intervalMs = 0 } = call.plan.script;
    await sleep(delayMs + intervalMs * Math.max(0, call.plan.deltas.length - 1), res);
    const forced = forcedTool(call.body);
    if (forced) {
      // A forced tool call: answer through the real tool-use wire format (the stand-in judge for grading tools).
      const answer = isGradingTool(forced.inputSchema) ? gradingAnswer(lastUserText(call.body), call.plan.script) : { toolInput: emulatedToolInput(forced.inputSchema, lastUserText(call.body)) };
      const content = 'text' in answer ? [{ text: answer.text }] : [{ toolUse: { toolUseId: `tooluse_${requestId.replace(/-/g, '').slice(0, 22)}`, name: forced.name, input: answer.toolInput } }];
      const outputTokens = countTokens('text' in answer ? answer.text : JSON.stringify(answer.toolInput));
      sendJson(
        res,
        200,
        {
          output: { message: { role: 'assistant', content } },
          stopReason: 'text' in answer ? 'end_turn' : 'tool_use',
          usage: { ...call.usage, outputTokens, totalTokens: call.usage.totalTokens - call.usage.outputTokens + outputTokens },
          metrics: { latencyMs: Date.now() - started },
        },
        requestId,
      );
      return 200;
    }
    sendJson(
      res,
      200,
      {
        output: { message: { role: 'assistant', content: call.plan.text === '' ? [] : [{ text: call.plan.text }] } },
        stopReason: call.plan.stopReason,
        usage: call.usage,
        metrics: { latencyMs: Date.now() - started },
      },
      requestId,
    );
    return 200;
  }

  async function invoke(req: AnyRequest, res: AnyResponse, modelId: string, requestId: string): Promise<number> {
    const started = Date.now();
    const model = resolveInvocationModel(modelId);
    const raw = parseJson(await readBody(req));
    if (model.modelId !== TITAN_EMBED_V2) {
      throw new EmulatorError('ValidationException', `The emulator serves InvokeModel only for ${TITAN_EMBED_V2}; use Converse for ${modelId}.`);
    }
    const { body, inputTokens } = invokeTitanEmbed(raw);
    sendJson(res, 200, body, requestId, {
      'x-amzn-bedrock-input-token-count': String(inputTokens),
      'x-amzn-bedrock-output-token-count': '0',
      'x-amzn-bedrock-invocation-latency': String(Date.now() - started),
    });
    return 200;
  }

  async function route(req: AnyRequest, res: AnyResponse): Promise<{ operation: string; id?: string; status: number }> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://emulator');
    // Split before decoding: model ids arrive percent-encoded (`:` as %3A, `/` in ARNs as %2F).
    const raw = url.pathname.split('/').filter((s) => s !== '');
    let seg: string[];
    try {
      seg = raw.map(decodeURIComponent);
    } catch {
      return { operation: 'Unknown', status: sendError(res, new EmulatorError('ValidationException', 'Malformed path.'), requestId) };
    }
    const method = req.method ?? 'GET';
    let operation = 'Unknown';
    let id: string | undefined;
    try {
      if (method === 'POST' && seg.length === 3 && seg[0] === 'model') {
        id = seg[1];
        switch (seg[2]) {
          case 'converse-stream':
            operation = 'ConverseStream';
            return { operation, id, status: await converseStream(req, res, id, requestId) };
          case 'converse':
            operation = 'Converse';
            return { operation, id, status: await converse(req, res, id, requestId) };
          case 'count-tokens': {
            operation = 'CountTokens';
            const model = resolveModel(id);
            if (!model || model.kind !== 'chat') throw new EmulatorError('ValidationException', 'The provided model identifier is invalid.');
            const inputTokens = countTokensBody(parseJson(await readBody(req)));
            sendJson(res, 200, { inputTokens }, requestId);
            return { operation, id, status: 200 };
          }
          case 'invoke':
            operation = 'InvokeModel';
            return { operation, id, status: await invoke(req, res, id, requestId) };
          default:
            break;
        }
      }
      if (method === 'POST' && seg.length === 5 && seg[0] === 'guardrail' && seg[2] === 'version' && seg[4] === 'apply') {
        operation = 'ApplyGuardrail';
        id = seg[1];
        const body = parseApplyGuardrailBody(parseJson(await readBody(req)));
        sendJson(res, 200, applyGuardrail(seg[1], seg[3], body), requestId);
        return { operation, id, status: 200 };
      }
      if (method === 'GET' && seg[0] === 'foundation-models') {
        const region = regionOf(req.headers.authorization);
        if (seg.length === 1) {
          operation = 'ListFoundationModels';
          sendJson(res, 200, listFoundationModels(url.searchParams, region), requestId);
          return { operation, status: 200 };
        }
        if (seg.length === 2) {
          operation = 'GetFoundationModel';
          id = seg[1];
          const summaries = listFoundationModels(new URLSearchParams(), region).modelSummaries as Array<{ modelId: string; modelArn: string }>;
          const found = summaries.find((m) => m.modelId === id || m.modelArn === id);
          if (!found) throw new EmulatorError('ResourceNotFoundException', `The model ${id} does not exist.`);
          sendJson(res, 200, { modelDetails: found }, requestId);
          return { operation, id, status: 200 };
        }
      }
      if (method === 'GET' && seg[0] === 'inference-profiles') {
        const region = regionOf(req.headers.authorization);
        if (seg.length === 1) {
          operation = 'ListInferenceProfiles';
          sendJson(res, 200, listInferenceProfiles(url.searchParams, region), requestId);
          return { operation, status: 200 };
        }
        if (seg.length === 2) {
          operation = 'GetInferenceProfile';
          id = seg[1];
          const all = listInferenceProfiles(new URLSearchParams({ maxResults: '1000' }), region).inferenceProfileSummaries as Array<{ inferenceProfileId: string; inferenceProfileArn: string }>;
          const found = all.find((p) => p.inferenceProfileId === id || p.inferenceProfileArn === id);
          if (!found) throw new EmulatorError('ResourceNotFoundException', `Inference profile ${id} not found.`);
          sendJson(res, 200, found, requestId);
          return { operation, id, status: 200 };
        }
      }
      if (method === 'GET' && seg.length === 1 && seg[0] === 'healthz') {
        sendJson(res, 200, { ok: true }, requestId);
        return { operation: 'Health', status: 200 };
      }
      throw new EmulatorError('UnknownOperationException', `The emulator does not serve ${method} ${url.pathname}.`);
    } catch (err) {
      if (err instanceof EmulatorError) {
        if (res.headersSent) {
          res.end();
          return { operation, id, status: 200 };
        }
        const status = err.errorName === 'UnknownOperationException' ? 404 : undefined;
        if (status) {
          sendJson(res, status, { message: err.message }, requestId, { 'x-amzn-errortype': `${err.errorName}${ERROR_TYPE_SUFFIX}` });
          return { operation, id, status };
        }
        return { operation, id, status: sendError(res, err, requestId) };
      }
      throw err;
    }
  }

  const handle = (req: AnyRequest, res: AnyResponse): void => {
    route(req, res)
      .then((r) => {
        logger?.debug({ ...r, httpVersion: req.httpVersion }, 'emulator request');
        events.emit('request', { ...r, httpVersion: req.httpVersion });
      })
      .catch((err: unknown) => {
        logger?.warn({ err }, 'emulator request failed');
        if (!res.headersSent) {
          const e = new EmulatorError('InternalServerException', 'The emulator failed to handle the request.');
          sendError(res, e, randomUUID());
        } else if (!res.writableEnded) {
          res.end();
        }
      });
  };

  // Idle keep-alive sockets stay open for a minute (as load balancers in front of HTTP APIs keep
  // them): with Node's 5 s a client that paused for a few seconds under load reused a socket the
  // server was closing, and its next call failed with ECONNRESET.
  const h1 = http.createServer({ keepAliveTimeout: 65_000 }, handle);
  const h2 = http2.createServer({}, handle);
  h2.on('session', (s) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, H2_PREFACE.length);
      const isH2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (isH2 && head.length < H2_PREFACE.length) return;
      socket.off('data', onData);
      if (isH2) {
        // The HTTP/2 session takes the bytes already read from the socket's readable buffer.
        socket.pause();
        socket.unshift(head);
        h2.emit('connection', socket);
      } else {
        // The HTTP/1 parser reads the socket handle directly, so replay the peeked bytes as data.
        h1.emit('connection', socket);
        socket.emit('data', head);
      }
    };
    socket.on('data', onData);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    events,
    clearPromptCache: () => cache.clear(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The SDK's HTTP/2 handler pools sessions: without destroying them server.close() would wait.
        for (const s of sessions) s.destroy();
        for (const s of sockets) s.destroy();
        h1.closeAllConnections();
      });
      return closing;
    },
  };
}
