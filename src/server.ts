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
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { buildContext, bearerSecret, type RequestContext } from './graphql/context';
import { formatError, toGraphQLError } from './graphql/errors';
import { createDocumentCache } from './graphql/document-cache';
import type { Services } from './features';
import type { Logger } from './observability/logger';
import type { Metrics } from './observability/metrics';

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

/** One http.Server: Apollo over HTTP and graphql-ws over WebSocket, both on /graphql. */
export async function createServer(deps: ServerDeps): Promise<RunningServer> {
  const { schema, services, logger, metrics } = deps;
  const authenticate = (secret: string) => services.apiKeys.authenticate(secret);
  const app = express();
  const httpServer = http.createServer(app);
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const logError = (err: unknown) => logger.error({ err }, 'unexpected error');

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
        if (!secret || !(await services.apiKeys.authenticate(secret))) {
          ctx.extra.socket.close(4401, 'Unauthorized: a valid API key is required in connection_init { authorization }');
          return false;
        }
        return true;
      },
      context: (ctx) => buildContext(services, authenticate, ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization),
      onNext: (_ctx, _id, _payload, _args, result) => {
        if ('errors' in result && result.errors) {
          return { ...result, errors: result.errors.map((e) => toGraphQLError(e, logError)) };
        }
        return undefined;
      },
      // Errors before execution: validation and variable coercion (the client's), or a subscribe
      // function that threw (mapped like any resolver error).
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((e) => {
          if (e instanceof GraphQLError && !e.originalError && !e.extensions?.code) {
            return new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
          }
          return toGraphQLError(e instanceof GraphQLError ? e : new GraphQLError(String(e)), logError);
        }),
    },
    wss,
  );

  const metricsPlugin: ApolloServerPlugin<RequestContext> = {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, operationName, errors }) {
          metrics.graphqlOperations.inc({ operation: operationName ?? 'anonymous', type: operation?.operation ?? 'unknown', outcome: errors?.length ? 'error' : 'ok' });
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
      metricsPlugin,
    ],
  });
  await apollo.start();

  const origins = deps.corsOrigins ?? [];
  if (origins.length) {
    // Browser admin tools on another origin: preflights answered, Authorization allowed, no cookies.
    app.use(cors({ origin: origins.includes('*') ? '*' : [...origins], allowedHeaders: ['authorization', 'content-type', 'traceparent', 'tracestate', 'apollo-require-preflight'], maxAge: 600 }));
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
        return buildContext(services, authenticate, req.headers.authorization, controller.signal);
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
