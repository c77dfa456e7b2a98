import fs from 'node:fs';
import path from 'node:path';
import express from 'express';

/** Where the dashboard's build (dashboard/dist) is served from, and what the routes send. */
export interface DashboardOptions {
  /** The Vite build output: index.html, graphiql.html and assets/. */
  dir: string;
}

/**
 * Every asset is the service's own: scripts and styles from this origin only, API calls to this
 * origin only (no CDN, no telemetry); inline styles are allowed (uPlot and GraphiQL set style attributes).
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

function setPageHeaders(res: express.Response): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // The page names hashed assets: always revalidate it (the ETag makes that a 304).
  res.setHeader('Cache-Control', 'no-cache');
}

/** The repository's dashboard/dist, found from this file (src/dashboard in tests, dist/src/dashboard when built). */
export function defaultDashboardDir(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'dashboard', 'vite.config.mjs')) || fs.existsSync(path.join(dir, 'dashboard', 'dist', 'index.html'))) return path.join(dir, 'dashboard', 'dist');
    if (path.dirname(dir) === dir) return path.resolve(from, '..', '..', 'dashboard', 'dist');
  }
}

const NOT_BUILT = 'The dashboard is not built: run `npm run build` (or `npm start`, which builds it).\n';

function sendPage(opts: DashboardOptions, file: string, res: express.Response): void {
  const abs = path.join(opts.dir, file);
  if (!fs.existsSync(abs)) {
    res.status(503).type('text/plain').send(NOT_BUILT);
    return;
  }
  setPageHeaders(res);
  res.sendFile(abs, { lastModified: true, etag: true, cacheControl: false });
}

/**
 * /dashboard (the app, for any path below it: the app routes in the browser) and
 * /dashboard/assets/* (content-hashed file names: cached for a year, immutable).
 */
export function dashboardRouter(opts: DashboardOptions): express.Router {
  const router = express.Router();
  router.use(
    '/dashboard/assets',
    express.static(path.join(opts.dir, 'assets'), {
      index: false,
      immutable: true,
      maxAge: '365d',
      setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'nosniff'),
    }),
  );
  // A missing asset is a plain 404 (never the app page in its place, which would run as a script).
  router.use('/dashboard/assets', (_req, res) => {
    res.status(404).type('text/plain').send('Not found\n');
  });
  router.get(/^\/dashboard(\/.*)?$/, (_req, res) => sendPage(opts, 'index.html', res));
  return router;
}

/**
 * GET /graphql from a browser (Accept: text/html): the GraphiQL page of the same build, offline
 * (Apollo's default landing page loads its code from a CDN). Other requests go on to the API.
 */
export function graphqlLandingPage(opts: DashboardOptions): express.RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' || req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) !== 'text/html') {
      next();
      return;
    }
    // A GET with a query is an API call (GraphQL over HTTP GET), whatever the Accept header says.
    if (typeof req.query.query === 'string') {
      next();
      return;
    }
    sendPage(opts, 'graphiql.html', res);
  };
}
