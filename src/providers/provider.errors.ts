/** HTTP status of each Bedrock error before a stream starts (BEDROCK.md section 1). */
export const BEDROCK_ERROR_STATUS: Readonly<Record<string, number>> = {
  ValidationException: 400,
  ServiceQuotaExceededException: 400,
  ConflictException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ModelStreamErrorException: 424,
  ThrottlingException: 429,
  ModelNotReadyException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
};

const RETRYABLE = new Set(['ThrottlingException', 'ServiceUnavailableException', 'ModelNotReadyException', 'InternalServerException', 'ModelTimeoutException']);

// Socket-level failures: the request may not have reached the model, so a retry is reasonable.
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'ERR_HTTP2_STREAM_ERROR', 'ERR_HTTP2_SESSION_ERROR']);

/** A failed model-provider call, with the Bedrock error name as `code`. */
export class ProviderError extends Error {
  /** Bedrock error name, e.g. `ThrottlingException`; `AbortError`, `NetworkError` or `TimeoutError` for transport failures. */
  readonly code: string;
  /** True when the same call may succeed if retried (throttling, 5xx, transient network errors). */
  readonly retryable: boolean;
  /** HTTP status when known (pre-stream errors), or the model's original status for stream errors. */
  readonly status?: number;

  constructor(code: string, message: string, opts: { retryable?: boolean; status?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProviderError';
    this.code = code;
    this.retryable = opts.retryable ?? RETRYABLE.has(code);
    this.status = opts.status ?? BEDROCK_ERROR_STATUS[code];
  }
}

function field(obj: object, key: string): unknown {
  return (obj as Record<string, unknown>)[key];
}

/**
 * Maps anything thrown by the AWS SDK (or the network) to a ProviderError:
 * - modeled errors before the stream (`ThrottlingException` with `$metadata.httpStatusCode`),
 * - modeled exception frames inside the stream (typed, but without an HTTP status),
 * - unmodeled `:message-type=error` frames (a plain Error whose `name` is the `:error-code`),
 * - `ModelStreamErrorException`, retryable when its `originalStatusCode` is 429 or 5xx,
 * - aborts, timeouts and socket errors.
 */
export function toProviderError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  if (typeof err !== 'object' || err === null) return new ProviderError('UnknownError', String(err), { retryable: false });

  const name = typeof field(err, 'name') === 'string' ? (field(err, 'name') as string) : 'Error';
  const message = typeof field(err, 'message') === 'string' ? (field(err, 'message') as string) : name;
  const metadata = field(err, '$metadata');
  const httpStatus = typeof metadata === 'object' && metadata !== null && typeof field(metadata, 'httpStatusCode') === 'number' ? (field(metadata, 'httpStatusCode') as number) : undefined;

  if (name === 'AbortError') return new ProviderError('AbortError', message, { retryable: false, cause: err });
  if (name === 'TimeoutError') return new ProviderError('TimeoutError', message, { retryable: true, cause: err });

  const sysCode = field(err, 'code');
  if (typeof sysCode === 'string' && NETWORK_CODES.has(sysCode)) {
    return new ProviderError('NetworkError', `${sysCode}: ${message}`, { retryable: true, cause: err });
  }

  if (name === 'ModelStreamErrorException') {
    const original = field(err, 'originalStatusCode');
    const originalStatus = typeof original === 'number' ? original : undefined;
    const retryable = originalStatus !== undefined && (originalStatus === 429 || originalStatus >= 500);
    return new ProviderError(name, message, { retryable, status: originalStatus ?? httpStatus, cause: err });
  }

  if (name.endsWith('Exception') || BEDROCK_ERROR_STATUS[name] !== undefined) {
    return new ProviderError(name, message, { status: httpStatus, cause: err });
  }

  // An SDK error without a recognizable name: fall back on the HTTP status.
  if (httpStatus !== undefined) {
    const retryable = httpStatus === 429 || httpStatus >= 500;
    return new ProviderError(name === 'Error' ? `Http${httpStatus}` : name, message, { retryable, status: httpStatus, cause: err });
  }
  return new ProviderError(name === 'Error' ? 'UnknownError' : name, message, { retryable: false, cause: err });
}
