import http from 'node:http';
import express from 'express';
import cors from 'cors';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { performance } from 'node:perf_hooks';
import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { buildContext, bearerSecret, type RequestContext } from './graphql/context';
import { formatError, toGraphQLError } from './graphql/errors';
import { createDocumentCache } from './graphql/document-cache';
import type { Services } from './features';
import type { Logger } from './observability/logger';
import type { Metrics } from './observability/metrics';
import { firstTraceparent, operationTelemetry, type OperationTelemetry } from './observability/trace-context';
import { boundedOperationName, createOperationLog, firstErrorCode } from './graphql/operation-log';

/** Tokens an operation may have, over HTTP and WebSocket alike. */
const MAX_TOKENS = 5000;

export interface ServerDeps {
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  metrics: Metrics;
  /** Browser origins allowed to call the API (CORS); `*` for any; empty (default): no CORS headers. */
  corsOrigins?: readonly string[];
  /** Answers /healthz: true when the database answers. */
  healthy(): Promise<boolean>;
}

export interface RunningServer {
  httpServer: http.Server;
  /** Starts listening; resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /** Drains HTTP, closes WebSockets (completing subscriptions) and stops Apollo. */
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

const record = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** One http.Server: Apollo over HTTP and graphql-ws over WebSocket, both on /graphql. */
export async function createServer(deps: ServerDeps): Promise<RunningServer> {
  const { schema, services, logger, metrics } = deps;
  const authenticate = (secret: string) => services.apiKeys.authenticate(secret);
  const app = express();
  const httpServer = http.createServer(app);
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
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

  const armor = new ApolloArmor({
    maxDepth: { n: 12 },
    costLimit: { maxCost: 20000 },
    maxAliases: { n: 30 },
    maxDirectives: { n: 30 },
    maxTokens: { n: MAX_TOKENS },
  });
  const protection = armor.protect();
  // graphql-ws parses and validates itself: give it the same limits as HTTP.
  const documents = createDocumentCache({ rules: protection.validationRules, maxTokens: MAX_TOKENS });
  const wsServer = useServer<Record<string, unknown>, { signal?: AbortSignal }>(
    {
      schema,
      parse: documents.parse,
      validate: documents.validate,
      // The key is checked at connection_init and again for every operation, so a revoked key stops working at once.
      onConnect: async (ctx) => {
        const secret = bearerSecret(ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization);
        const key = secret ? await services.apiKeys.authenticate(secret) : null;
        if (!key) {
          ctx.extra.socket.close(4401, 'Unauthorized: a valid API key is required in connection_init { authorization }');
          return false;
        }
        wsRoles.set(ctx.extra, key.role);
        return true;
      },
      // Every operation gets its telemetry: a traceparent in its extensions, else in connection_init, else a new trace.
      onSubscribe: (ctx, id, payload) => {
        const ext = record(payload.extensions);
        const init = record(ctx.connectionParams);
        let document: DocumentNode | null = null;
        try {
          document = documents.parse(payload.query);
        } catch {
          // graphql-ws reports the syntax error itself
        }
        const { type, name } = boundedOperationName(document, payload.operationName);
        wsOps(ctx.extra).set(id, {
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
        });
        return undefined;
      },
      context: async (ctx, id) => {
        const op = wsOps(ctx.extra).get(id);
        const context = await buildContext(services, authenticate, ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization, undefined, op?.telemetry);
        if (op) op.role = context.apiKey?.role ?? null;
        return context;
      },
      onNext: (ctx, id, _payload, _args, result) => {
        const op = wsOps(ctx.extra).get(id);
        const errors = 'errors' in result && result.errors ? result.errors.map((e) => toGraphQLError(e, logError)) : undefined;
        if (op && errors?.length) op.errorCode ??= firstErrorCode(errors);
        const extensions = op ? { ...result.extensions, requestId: op.telemetry.requestId, traceId: op.telemetry.traceId } : result.extensions;
        return { ...result, ...(errors ? { errors } : {}), ...(extensions ? { extensions } : {}) };
      },
      // Errors before execution: validation and variable coercion (the client's), or a subscribe
      // function that threw (mapped like any resolver error).
      onError: (ctx, id, _payload, errors) => {
        const mapped = errors.map((e) => {
          if (e instanceof GraphQLError && !e.originalError && !e.extensions?.code) {
            return new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
          }
          return toGraphQLError(e instanceof GraphQLError ? e : new GraphQLError(String(e)), logError);
        });
        finishWs(ctx.extra, id, firstErrorCode(mapped));
        return mapped;
      },
      onComplete: (ctx, id) => finishWs(ctx.extra, id, null),
    },
    wss,
  );


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

  const apollo = new ApolloServer<RequestContext>({
    schema,
    ...protection,
    formatError: (formatted, error) => formatError(formatted, error, logError),
    includeStacktraceInErrorResponses: false,
    // index.ts owns SIGTERM/SIGINT and stops everything in order; Apollo's own handlers would race it.
    stopOnTerminationSignals: false,
    plugins: [
      ...protection.plugins,
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
      ApolloServerPluginLandingPageLocalDefault({ footer: false }),
      operationsPlugin,
    ],
  });
  await apollo.start();

  const origins = deps.corsOrigins ?? [];
  if (origins.length) {
    // Browser admin tools on another origin: preflights answered, Authorization allowed, no cookies.
    app.use(
      cors({
        origin: origins.includes('*') ? '*' : [...origins],
        allowedHeaders: ['authorization', 'content-type', 'traceparent', 'tracestate', 'x-request-id', 'apollo-require-preflight'],
        exposedHeaders: ['x-request-id'],
        maxAge: 600,
      }),
    );
  }

  app.get('/healthz', async (_req, res) => {
    const ok = await deps.healthy().catch(() => false);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(
    '/graphql',
    express.json({ limit: '5mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const controller = new AbortController();
        res.on('close', () => controller.abort());
        const telemetry = operationTelemetry({ traceparent: req.headers.traceparent, tracestate: req.headers.tracestate, requestId: req.headers['x-request-id'] });
        return buildContext(services, authenticate, req.headers.authorization, controller.signal, telemetry);
      },
    }),
  );

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
      await apollo.stop();
      wss.close();
    },
  };
}
