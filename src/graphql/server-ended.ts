/**
 * The server itself ends a client's operations: its API key was revoked, or the shutdown grace
 * period is over. Carried as the `reason` of the request's abort signal, so that the generation
 * still running tells the client why (a `GenerationFailed` with this code before the socket closes)
 * and its trace says so, instead of looking like a client that went away.
 */
export type ServerEndCode = 'KEY_REVOKED' | 'SERVER_SHUTDOWN';

export class ServerEnded extends Error {
  constructor(
    readonly code: ServerEndCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServerEnded';
  }

  /** The trace's `stopReason`: `key_revoked`, `server_shutdown`. */
  get stopReason(): string {
    return this.code.toLowerCase();
  }
}

/** Why the server aborted `signal`, or null (not aborted, or the client went away). */
export function serverEnded(signal: AbortSignal | undefined): ServerEnded | null {
  return signal?.aborted && signal.reason instanceof ServerEnded ? signal.reason : null;
}
