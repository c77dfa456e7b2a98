import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  /** `json` (one object a line) or `pretty` (for a person at a terminal). Default: `LOG_FORMAT`, else pretty on a TTY, else json. */
  format?: LogFormat;
  /** Where lines go; default stdout. */
  destination?: DestinationStream;
}

/** The format asked for by `LOG_FORMAT`, else pretty when stdout is a terminal, else JSON. */
export function resolveLogFormat(env: NodeJS.ProcessEnv = process.env, isTty = Boolean(process.stdout.isTTY)): LogFormat {
  const asked = env.LOG_FORMAT?.trim().toLowerCase();
  if (asked === 'json' || asked === 'pretty') return asked;
  return isTty ? 'pretty' : 'json';
}

/**
 * Structured logs on stdout: one JSON object a line (the default off a terminal, what log
 * pipelines read), or pretty lines when the terminal is a TTY or `LOG_FORMAT=pretty`.
 * Errors are serialized with their stack under `err`.
 */
export function createLogger(level: string, opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? resolveLogFormat();
  const options: pino.LoggerOptions = { level, base: { service: 'genai-control-plane' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === 'pretty' && !opts.destination) {
    // pino-pretty is loaded only when asked for; without it (a trimmed install) the lines stay JSON.
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const pretty = require('pino-pretty') as (o: Record<string, unknown>) => DestinationStream;
      return pino(options, pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }));
    } catch {
      // fall through to JSON
    }
  }
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/**
 * Process warnings (deprecations, the AWS SDK's Node-version notice) go through the logger instead
 * of Node's own stderr printer, so JSON mode prints nothing but JSON. Returns a function undoing it.
 */
export function routeProcessWarnings(logger: Logger): () => void {
  const previous = process.listeners('warning');
  process.removeAllListeners('warning');
  const onWarning = (w: Error & { code?: string }) => logger.warn({ warning: { name: w.name, code: w.code, message: w.message } }, `process warning: ${w.name}`);
  process.on('warning', onWarning);
  return () => {
    process.off('warning', onWarning);
    for (const l of previous) process.on('warning', l);
  };
}
