import type { IncomingMessage as NodeRequest, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import type { RequestContext } from './context';

/** A connect-style middleware (express's `json()`, `cors()`) on Node's own request and response. */
type Middleware = (req: NodeRequest, res: ServerResponse, next: (err?: unknown) => void) => void;

/** What the fast path hands to express: the body `json()` parsed, or the error it raised. */
export type HandedOver = { body: unknown } | { error: unknown };

export interface GraphqlPostOptions {
  apollo: ApolloServer<RequestContext>;
  /** Builds the operation's context (as the express route does), given when the request arrived. */
  context(req: NodeRequest, res: ServerResponse, receivedAt: number): Promise<RequestContext>;
  /** The same `express.json()` the express route uses: it decides every body the fast path does not parse itself. */
  jsonParser: Middleware;
  /** The CORS middleware the app runs first, if any. */
  cors: Middleware | null;
  /** The body limit of `jsonParser` (bytes): a longer declared body goes to express. */
  limit: number;
  /** Express from here on: the body is read, so express must not read it again (see `HandedOver`). */
  handOver(req: NodeRequest, res: ServerResponse, outcome: HandedOver): void;
}

/** The JSON content types the fast path takes (what clients send); any other goes to express. */
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

/** Apollo's two answer types; express's `res.send` keeps them as they are (they already carry their charset). */
const ANSWER_TYPES = new Set(['application/json; charset=utf-8', 'application/graphql-response+json; charset=utf-8']);

/**
 * The body again, for express's `json()`: named as Node's request class, because in development the
 * error page express sends shows the parse error's stack, which names the stream's class.
 */
class IncomingMessage extends Readable {}

/**
 * GraphQL over HTTP POST without express in the way: for `POST /graphql` with a plain JSON body of
 * known length, reads the body, parses it and runs Apollo's `executeHTTPGraphQLRequest` directly, then
 * answers as express's `res.send` would (same headers in the same order: `X-Powered-By`, CORS,
 * Apollo's, `Content-Type`, `Content-Length`, a weak `ETag`). Express's router, its body parser and
 * `res.send` cost about a tenth of a bare `generateOnce` request's CPU at concurrency 50.
 *
 * Returns false, touching nothing, for any other request (express serves it as before). A body it
 * does not parse itself (not an object, invalid JSON, a byte-order mark, empty) is given to the
 * express route's own `json()` and then to express (`handOver`), so every error answer is
 * express's. `graphql-post.test.ts` holds both routes to the same answers.
 */
export function createGraphqlPost(opts: GraphqlPostOptions): (req: NodeRequest, res: ServerResponse) => boolean {
  const { apollo, limit } = opts;
  const answer = async (req: NodeRequest, res: ServerResponse, body: unknown, receivedAt: number): Promise<void> => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      // `accept: */*` (fetch's default) means what no accept header means to Apollo and to our plugins
      // (JSON, no multipart); without it Apollo skips its two content negotiations (2.5% of a request's CPU).
      if (value !== undefined && !(key === 'accept' && value === '*/*')) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let response: HTTPGraphQLResponse;
    try {
      response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: 'POST', headers, search: '', body },
        context: () => opts.context(req, res, receivedAt),
      });
    } catch (error) {
      // Express answers what the express route's handler would have thrown.
      return opts.handOver(req, res, { error });
    }
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status || 200;
    if (response.body.kind === 'complete') return send(res, response.body.string);
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };

  const read = (req: NodeRequest, res: ServerResponse, receivedAt: number): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A request aborted mid-body gets no answer on either route (its socket is gone).
    req.on('error', () => undefined);
    req.on('end', () => {
      const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const text = raw.toString('utf8');
      let body: unknown;
      if (startsWithObject(text)) {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          body = undefined;
        }
      }
      if (body !== undefined) {
        answer(req, res, body, receivedAt).catch((error: unknown) => res.destroy(error instanceof Error ? error : undefined));
        return;
      }
      // Whatever the fast path does not vouch for, express's json() decides, on the same bytes.
      const replay = Object.assign(new IncomingMessage({ read() {} }), { headers: req.headers });
      replay.push(raw);
      replay.push(null);
      opts.jsonParser(replay as unknown as NodeRequest, res, (error?: unknown) => {
        opts.handOver(req, res, error ? { error } : { body: (replay as unknown as { body: unknown }).body });
      });
    });
  };

  return (req, res) => {
    if (req.method !== 'POST' || req.url !== '/graphql') return false;
    const h = req.headers;
    const type = h['content-type'];
    const length = h['content-length'];
    if (!type || !JSON_TYPES.has(type.toLowerCase()) || h['content-encoding'] !== undefined || h['transfer-encoding'] !== undefined || !length) return false;
    const n = Number(length);
    if (!Number.isInteger(n) || n <= 0 || n > limit) return false;
    const receivedAt = performance.now();
    // Express's own first header.
    res.setHeader('X-Powered-By', 'Express');
    if (opts.cors) opts.cors(req, res, () => read(req, res, receivedAt));
    else read(req, res, receivedAt);
    return true;
  };
}

/** The first character that is not JSON whitespace is `{` (express's `json()` takes `[` too; Apollo then refuses a batch). */
function startsWithObject(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c === 0x7b;
  }
  return false;
}

/** Express's `res.send(string)` for Apollo's answer: the same headers, in the same order, and the same bytes. */
function send(res: ServerResponse, text: string): void {
  const type = res.getHeader('content-type');
  // express re-sets the type with its charset (unchanged for Apollo's two types); its name becomes `Content-Type`.
  res.setHeader('Content-Type', typeof type === 'string' && ANSWER_TYPES.has(type) ? type : 'text/html; charset=utf-8');
  const length = Buffer.byteLength(text, 'utf8');
  res.setHeader('Content-Length', String(length));
  res.setHeader('ETag', weakEtag(text, length));
  res.end(text, 'utf8');
}

/** The `etag` package's weak tag, as express makes it for every `res.send` body. */
function weakEtag(text: string, length: number): string {
  const hash = createHash('sha1').update(text, 'utf8').digest('base64').substring(0, 27);
  return `W/"${length.toString(16)}-${hash}"`;
}
