import http from 'node:http';
import express from 'express';
import cors from 'cors';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { performance } from 'node:perf_hooks';
import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { buildContext, bearerSecret, type AuthRefusal, type RequestContext } from './graphql/context';
import { formatError, toGraphQLError } from './graphql/errors';
import { ServerEnded } from './graphql/server-ended';
import { createOperationPolicy, MAX_MESSAGE_BYTES, withoutSuggestions } from './graphql/operation-policy';
import type { Services } from './features';
import { RETRY_AFTER_SECONDS } from './db/unavailable';
import type { Logger } from './observability/logger';
import type { Metrics } from './observability/metrics';
import { firstTraceparent, operationTelemetry, type OperationTelemetry } from './observability/trace-context';
import { boundedOperationName, createOperationLog, firstErrorCode } from './graphql/operation-log';
import { createCompiledSubscribe } from './graphql/compiled-subscription';
import { createGraphqlPost, type GraphqlPostOptions, type HandedOver } from './graphql/graphql-post';
import { IDENTITY_SUBSCRIPTION_FIELDS, PLAIN_EVENT_TYPES } from './generate';

export interface ServerDeps {
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  metrics: Metrics;
  /** Browser origins allowed to call the API (CORS); `*` for any; empty (default): no CORS headers. */
  corsOrigins?: readonly string[];
  /** NODE_ENV=production: introspection refused on both transports. */
  production: boolean;
  /** Generations in flight: a stop lets them finish within `shutdownGraceMs`, then waits for their traces. */
  generations: { readonly inFlight: number; idle(timeoutMs: number): Promise<boolean> };
  /** SIGTERM: how long in-flight WebSocket streams may take to finish (default 15 s). */
  shutdownGraceMs?: number;
  /** How long an idle HTTP connection stays open for its next request (default 65 s; Node's own is 5 s). */
  keepAliveMs?: number;
  /** Answers /readyz (and /healthz): each check's state; ready when every check is `ok`. */
  readiness(): Promise<Record<string, string>>;
  /** Hears of every operation the auth checker refuses (a refused generation is traced); returns the trace id, if any. */
  onAuthRefused?: (refusal: AuthRefusal) => string | null;
}

export interface RunningServer {
  httpServer: http.Server;
  /** Starts listening; resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Stops: new WebSocket connections and operations are refused at once (and /readyz fails); in-flight
   * streams may finish within the grace period; then the sockets close with 1001 (aborting what is
   * left, which still settles and writes its trace), HTTP is drained and Apollo stops.
   */
  stop(): Promise<void>;
}

/** A graphql-ws operation in flight: what its log line needs when it ends. */
interface WsOperation {
  telemetry: OperationTelemetry;
  startedAt: number;
  operationType: string;
  operationName: string;
  role: string | null;
  errorCode: string | null;
}

/** How long an operation ended by the server may take to send its last message before the socket closes. */
const ENDING_WAIT_MS = 500;

const record = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** One http.Server: Apollo over HTTP and graphql-ws over WebSocket, both on /graphql. */
export async function createServer(deps: ServerDeps): Promise<RunningServer> {
  const { schema, services, logger, metrics } = deps;
  const authenticate = (secret: string) => services.apiKeys.authenticate(secret);
  let shuttingDown = false;
  /** Open sockets: the key each authenticated with (a revoked key's sockets are ended, 4403) and its graphql-ws context. */
  const liveSockets = new Map<WebSocket, { secret: string; ctx: object }>();
  /**
   * Operations running on each connection (until their last message is sent), each with the abort
   * the server ends it with (`ServerEnded`: revoked key, shutdown): a stop waits for them.
   */
  const operations = new Map<object, Map<string, AbortController>>();
  const runningOperations = (ctx?: object) => (ctx ? (operations.get(ctx)?.size ?? 0) : [...operations.values()].reduce((n, ops) => n + ops.size, 0));
  const endOperation = (ctx: object, id: string) => operations.get(ctx)?.delete(id);
  /** Resolves true once no operation runs (on `ctx`'s socket, or on any), false after `timeoutMs`. */
  const operationsDone = async (timeoutMs: number, ctx?: object): Promise<boolean> => {
    const until = Date.now() + timeoutMs;
    while (runningOperations(ctx) > 0) {
      if (Date.now() >= until) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  };
  /**
   * The server ends a socket: its running operations are aborted with `ended` (a generation then
   * sends GenerationFailed with that code and writes its trace), given up to `ENDING_WAIT_MS` to send
   * their last message, then the socket closes with `code`.
   */
  const endSocket = async (socket: WebSocket, code: number, reason: string, ended: ServerEnded): Promise<void> => {
    const ctx = liveSockets.get(socket)?.ctx;
    const ops = ctx ? operations.get(ctx) : undefined;
    if (ctx && ops?.size) {
      for (const abort of ops.values()) abort.abort(ended);
      await operationsDone(ENDING_WAIT_MS, ctx);
    }
    socket.close(code, reason);
  };
  const app = express();
  /** `POST /graphql` with a plain JSON body goes straight to Apollo (`graphql-post.ts`); everything else to express. */
  let graphqlPost: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean) | null = null;
  const httpServer = http.createServer((req, res) => {
    if (!graphqlPost?.(req, res)) app(req, res);
  });
  // A client pausing more than Node's 5 s between requests would pay a new connection each time (at
  // c50 under load the benchmark's clients reconnected for every request). Headers may take as long.
  httpServer.keepAliveTimeout = deps.keepAliveMs ?? 65_000;
  httpServer.headersTimeout = Math.max(httpServer.headersTimeout, httpServer.keepAliveTimeout + 1000);
  const logError = (err: unknown) => logger.error({ err }, 'unexpected error');
  const operationLog = createOperationLog(logger, metrics);
  /** graphql-ws operations in flight, per socket, by subscription id. */
  const wsOperations = new WeakMap<object, Map<string, WsOperation>>();
  /** The role of the key each socket authenticated with at connection_init (an operation's log line falls back to it). */
  const wsRoles = new WeakMap<object, string>();
  const wsOps = (extra: object) => {
    let ops = wsOperations.get(extra);
    if (!ops) wsOperations.set(extra, (ops = new Map()));
    return ops;
  };
  const finishWs = (extra: object, id: string, errorCode: string | null) => {
    const ops = wsOps(extra);
    const op = ops.get(id);
    if (!op) return;
    ops.delete(id);
    operationLog.finish({ transport: 'ws', ...op, errorCode: errorCode ?? op.errorCode });
  };

  const policy = createOperationPolicy({ introspection: !deps.production });
  // graphql-ws's own size limit defaults to 100 MiB: hold a message to an HTTP body's limit.
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_MESSAGE_BYTES });
  const authorizationOf = (params: Record<string, unknown> | undefined) => params?.authorization ?? params?.Authorization;
  // Each event of a `generate` stream becomes its result through a plan compiled once per document, not a
  // per-delta execution of the selection set (graphql-js's `subscribe` builds the stream, auth included).
  const subscribe = createCompiledSubscribe({ identityRootFields: IDENTITY_SUBSCRIPTION_FIELDS, plainTypes: PLAIN_EVENT_TYPES });
  const wsServer = useServer<Record<string, unknown>, { signal?: AbortSignal }>(
    {
      schema,
      subscribe,
      // The key is checked at connection_init and again for every operation, so a revoked key stops working at once.
      onConnect: async (ctx) => {
        const secret = bearerSecret(authorizationOf(ctx.connectionParams));
        if (shuttingDown) {
          ctx.extra.socket.close(1001, 'Going away: the server is shutting down');
          return false;
        }
        const key = secret ? await services.apiKeys.authenticate(secret) : null;
        if (!secret || !key) {
          // 4403 is graphql-ws's Forbidden; the reason says what to send.
          ctx.extra.socket.close(4403, 'Forbidden: a valid API key is required in connection_init { authorization }');
          return false;
        }
        wsRoles.set(ctx.extra, key.role);
        const socket = ctx.extra.socket;
        liveSockets.set(socket, { secret, ctx });
        socket.once('close', () => liveSockets.delete(socket));
        return true;
      },
      // Every operation gets its telemetry (a traceparent in its extensions, else in connection_init,
      // else a new trace). Parse, validate and build the context here, so that a bad document, a
      // refused one or a context that cannot be built (database down) fails this operation only,
      // never the socket.
      onSubscribe: async (ctx, id, payload) => {
        const ext = record(payload.extensions);
        const init = record(ctx.connectionParams);
        let document: DocumentNode | null = null;
        let parseError: unknown = null;
        try {
          document = policy.parse(payload.query);
        } catch (err) {
          parseError = err;
        }
        const { type, name } = boundedOperationName(document, payload.operationName);
        const op: WsOperation = {
          telemetry: operationTelemetry({
            traceparent: firstTraceparent(ext.traceparent, init.traceparent),
            tracestate: ext.traceparent ? ext.tracestate : init.tracestate,
            requestId: ext.requestId ?? ext['x-request-id'],
          }),
          startedAt: performance.now(),
          operationType: type,
          operationName: name,
          role: wsRoles.get(ctx.extra) ?? null,
          errorCode: null,
        };
        wsOps(ctx.extra).set(id, op);
        if (shuttingDown) {
          return [new GraphQLError(`the server is shutting down; retry in ${RETRY_AFTER_SECONDS} s`, { extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: RETRY_AFTER_SECONDS } })];
        }
        if (!document) return [wsError(parseError)];
        const invalid = policy.validate(schema, document);
        if (invalid.length) return invalid.map(wsError);
        try {
          // Aborted only by the server (revoked key, shutdown); a client gone completes the operation instead.
          const abort = new AbortController();
          const contextValue = await buildContext(services, authenticate, authorizationOf(ctx.connectionParams), abort.signal, op.telemetry, {
            remoteAddress: ctx.extra.request.socket.remoteAddress,
            onAuthRefused: deps.onAuthRefused,
            receivedAt: op.startedAt,
          });
          op.role = contextValue.apiKey?.role ?? op.role;
          let ops = operations.get(ctx);
          if (!ops) operations.set(ctx, (ops = new Map()));
          ops.set(id, abort);
          return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
        } catch (err) {
          return [wsError(err)];
        }
      },
      onNext: (ctx, id, _payload, _args, result) => {
        const op = wsOps(ctx.extra).get(id);
        let errors: GraphQLError[] | undefined;
        if ('errors' in result && result.errors) {
          // No data at all: the request failed before execution (variable coercion): the client's input.
          errors = !('data' in result) || result.data === undefined ? result.errors.map(requestError) : result.errors.map(wsError);
          if (op && errors.length) op.errorCode ??= firstErrorCode(errors);
        }
        const extensions = op ? { ...result.extensions, requestId: op.telemetry.requestId, traceId: op.telemetry.traceId } : result.extensions;
        return { ...result, ...(errors ? { errors } : {}), ...(extensions ? { extensions } : {}) };
      },
      onError: (ctx, id, _payload, errors) => {
        endOperation(ctx, id);
        const mapped = errors.map(wsError);
        finishWs(ctx.extra, id, firstErrorCode(mapped));
        return mapped;
      },
      onComplete: (ctx, id) => {
        endOperation(ctx, id);
        finishWs(ctx.extra, id, null);
      },
      onClose: (ctx) => {
        operations.delete(ctx);
      },
    },
    wss,
  );
  // A key revoked on any instance (change bus): its open sockets stop within the bus's latency: their
  // streams end with GenerationFailed KEY_REVOKED (settling what they spent, traced as key_revoked),
  // then the socket closes with 4403 (forbidden).
  const stopWatchingKeys = services.apiKeys.onChange(() => {
    for (const [socket, { secret }] of liveSockets) {
      void authenticate(secret).then(
        (key) => {
          if (!key) return endSocket(socket, 4403, 'Forbidden: the API key was revoked', new ServerEnded('KEY_REVOKED', 'the API key was revoked'));
        },
        (err: unknown) => logger.warn({ err }, 'could not re-check an API key'),
      );
    }
  });

  /**
   * graphql-ws hands over raw GraphQLErrors: map them as Apollo maps HTTP errors. One without a
   * code, a path or an original error is a request error (variable coercion, no operation): the client's.
   */
  // A resolver's error (a subscribe function that refused: it has a path) is mapped as usual.
  const requestError = (e: GraphQLError): GraphQLError =>
    e.extensions?.code || e.path ? wsError(e) : new GraphQLError(withoutSuggestions(e.message), { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT' } });
  const wsError = (err: unknown): GraphQLError => {
    const e = err instanceof GraphQLError ? err : new GraphQLError(err instanceof Error ? err.message : String(err), { originalError: err instanceof Error ? err : undefined });
    if (!e.originalError && !e.path && !e.extensions?.code) {
      return new GraphQLError(withoutSuggestions(e.message), { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT' } });
    }
    return toGraphQLError(e, logError);
  };

  // One log line and the operation metrics per HTTP operation; the response says its request and trace ids.
  const operationsPlugin: ApolloServerPlugin<RequestContext> = {
    async requestDidStart() {
      const startedAt = performance.now();
      return {
        async willSendResponse({ response, document, request, contextValue }) {
          const telemetry = contextValue.telemetry;
          const { type, name } = boundedOperationName(document, request.operationName);
          const body = response.body;
          const errors = body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors;
          if (body.kind === 'single') body.singleResult.extensions = { ...body.singleResult.extensions, requestId: telemetry.requestId, traceId: telemetry.traceId };
          response.http.headers.set('x-request-id', telemetry.requestId);
          // What Apollo's cache-control plugin (disabled below) said of every answer: nothing here is cacheable.
          response.http.headers.set('cache-control', 'no-store');
          operationLog.finish({
            transport: 'http',
            telemetry,
            operationType: type,
            operationName: name,
            role: contextValue.apiKey?.role ?? null,
            startedAt,
            errorCode: firstErrorCode(errors),
          });
        },
      };
    },
  };

  /**
   * GraphQL over HTTP: a request error (parse, validation, variables) is 400 when the client takes
   * application/graphql-response+json (or anything), but 200 to a client that asks for plain
   * application/json only, as the spec asks of legacy clients.
   */
  const statusForPlainJsonPlugin: ApolloServerPlugin<RequestContext> = {
    async requestDidStart({ request }) {
      const accept = request.http?.headers.get('accept') ?? '';
      const plainJsonOnly = accept.includes('application/json') && !accept.includes('application/graphql-response+json') && !accept.includes('*/*');
      return {
        async willSendResponse({ response }) {
          if (plainJsonOnly && response.http.status === 400) response.http.status = 200;
          // The database is down: say when to retry, as HTTP does (503 + Retry-After) when nothing could be answered.
          if (response.body.kind !== 'single') return;
          const { errors, data } = response.body.singleResult;
          if (!errors?.some((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE')) return;
          response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
          const nothingAnswered = !data || Object.values(data).every((v) => v === null);
          if (nothingAnswered && errors.every((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE')) response.http.status = 503;
        },
      };
    },
  };

  const apollo = new ApolloServer<RequestContext>({
    schema,
    // Apollo adds graphql-js's specified rules itself, and refuses introspection when told to.
    validationRules: [...policy.extraRules],
    parseOptions: { maxTokens: policy.limits.maxTokens },
    introspection: !deps.production,
    allowBatchedHttpRequests: false,
    hideSchemaDetailsFromClientErrors: true,
    formatError: (formatted, error) => formatError(formatted, error, logError),
    includeStacktraceInErrorResponses: false,
    // index.ts owns SIGTERM/SIGINT and stops everything in order; Apollo's own handlers would race it.
    stopOnTerminationSignals: false,
    plugins: [
      statusForPlainJsonPlugin,
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsServer.dispose();
            },
          };
        },
      },
      // The landing page is the dashboard's offline GraphiQL (below); Apollo's loads from a CDN.
      ApolloServerPluginLandingPageDisabled(),
      // No field has a cache hint and no answer is cacheable (`cache-control: no-store`, set above): Apollo's
      // default cache-control plugin would wrap every field resolver of the schema and run a hook per field.
      ApolloServerPluginCacheControlDisabled(),
      operationsPlugin,
    ],
  });
  await apollo.start();

  const origins = deps.corsOrigins ?? [];
  // Browser admin tools on another origin: preflights answered, Authorization allowed, no cookies.
  const corsMiddleware = origins.length
    ? cors({
        origin: origins.includes('*') ? '*' : [...origins],
        allowedHeaders: ['authorization', 'content-type', 'traceparent', 'tracestate', 'x-request-id', 'apollo-require-preflight'],
        exposedHeaders: ['x-request-id'],
        maxAge: 600,
      })
    : null;
  if (corsMiddleware) app.use(corsMiddleware);
  // A POST the fast path read but left to express: its body as express's json() parsed it, or its error.
  const handedOver = new WeakMap<object, HandedOver>();
  app.use((req: express.Request, _res: express.Response, next: express.NextFunction) => {
    const outcome = handedOver.get(req);
    if (!outcome) return next();
    handedOver.delete(req);
    if ('error' in outcome) return next(outcome.error);
    req.body = outcome.body;
    next();
  });

  // /livez: the process is up and serving (never touches the database). /readyz: it can serve
  // traffic: database reachable, migrations done, a model provider configured. /healthz = /readyz.
  app.get('/livez', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const readyz = async (_req: express.Request, res: express.Response) => {
    if (shuttingDown) {
      res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      res.status(503).json({ status: 'shutting down', checks: {} });
      return;
    }
    const checks = await deps.readiness().catch((err: unknown) => ({ readiness: err instanceof Error ? err.message : String(err) }));
    const ok = Object.values(checks).every((v) => v === 'ok');
    if (!ok) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks });
  };
  app.get('/readyz', readyz);
  app.get('/healthz', readyz);
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  // The web dashboard (/dashboard) and, for a browser's GET /graphql, the offline GraphiQL page.
  app.use(services.dashboard.router);
  app.get('/graphql', services.dashboard.landingPage);
  /** An HTTP operation's context (both routes): its abort when the client goes, its telemetry, its key. */
  const httpContext = (req: http.IncomingMessage, res: http.ServerResponse, receivedAt: number | undefined): Promise<RequestContext> => {
    const controller = new AbortController();
    // The client went away before its answer was sent. (Aborting after every answer, as this did, cost
    // ~1.4% of a request's CPU, mostly the DOMException with its stack; nothing then listened.)
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const telemetry = operationTelemetry({ traceparent: req.headers.traceparent, tracestate: req.headers.tracestate, requestId: req.headers['x-request-id'] });
    return buildContext(services, authenticate, req.headers.authorization, controller.signal, telemetry, {
      remoteAddress: req.socket.remoteAddress,
      onAuthRefused: deps.onAuthRefused,
      receivedAt,
    });
  };
  const jsonParser = express.json({ limit: MAX_MESSAGE_BYTES });
  app.use(
    '/graphql',
    // When the operation arrived, before its body is read: a generation's trace times what comes before the pipeline.
    (_req: express.Request, res: express.Response, next: express.NextFunction) => {
      res.locals.receivedAt = performance.now();
      next();
    },
    jsonParser,
    expressMiddleware(apollo, {
      context: ({ req, res }) => httpContext(req, res, typeof res.locals.receivedAt === 'number' ? res.locals.receivedAt : undefined),
    }),
  );
  graphqlPost = createGraphqlPost({
    apollo,
    context: httpContext,
    jsonParser: jsonParser as unknown as GraphqlPostOptions['jsonParser'],
    cors: corsMiddleware as unknown as GraphqlPostOptions['cors'],
    limit: MAX_MESSAGE_BYTES,
    handOver: (req, res, outcome) => {
      handedOver.set(req, outcome);
      app(req, res);
    },
  });

  return {
    httpServer,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const addr = httpServer.address();
          resolve(typeof addr === 'object' && addr ? addr.port : port);
        });
      }),
    async stop() {
      shuttingDown = true;
      stopWatchingKeys();
      const graceMs = deps.shutdownGraceMs ?? 15_000;
      if (!(await operationsDone(graceMs))) {
        logger.warn({ operations: runningOperations(), inFlight: deps.generations.inFlight, graceMs }, 'grace period over: closing the remaining streams');
      }
      // What is left ends with GenerationFailed SERVER_SHUTDOWN (traced as server_shutdown), then 1001.
      const ended = new ServerEnded('SERVER_SHUTDOWN', `the server is shutting down and its grace period (${Math.round(graceMs / 1000)} s) is over; retry in ${RETRY_AFTER_SECONDS} s`);
      await Promise.all([...wss.clients].map((socket) => endSocket(socket, 1001, 'Going away: the server is shutting down', ended)));
      // Aborted streams still settle their spend and write their traces before the writers close.
      await deps.generations.idle(5000);
      await apollo.stop();
      wss.close();
    },
  };
}
