import { EventStreamCodec } from '@smithy/eventstream-codec';
import type { MessageHeaders } from '@smithy/types';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const PADDING_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function str(value: string): { type: 'string'; value: string } {
  return { type: 'string', value };
}

// Real Bedrock pads every event payload with a random-length "p" field (clients drop it); the
// emulator does the same so clients that choke on unknown fields fail here first.
function padding(): string {
  return PADDING_ALPHABET.slice(0, 1 + Math.floor(Math.random() * PADDING_ALPHABET.length));
}

/** Encodes one `:message-type=event` frame, headers in the order real Bedrock sends them. */
export function encodeEvent(eventType: string, payload: Record<string, unknown>): Uint8Array {
  const headers: MessageHeaders = {
    ':event-type': str(eventType),
    ':content-type': str('application/json'),
    ':message-type': str('event'),
  };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify({ ...payload, p: padding() })) });
}

/** Encodes a modeled exception frame; `exceptionType` is the camelCase union member, e.g. `throttlingException`. */
export function encodeException(exceptionType: string, payload: Record<string, unknown>): Uint8Array {
  const headers: MessageHeaders = {
    ':exception-type': str(exceptionType),
    ':content-type': str('application/json'),
    ':message-type': str('exception'),
  };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}

/** Encodes an unmodeled error frame; the SDK throws an Error whose `name` is `code`. */
export function encodeErrorFrame(code: string, message: string): Uint8Array {
  const headers: MessageHeaders = {
    ':error-code': str(code),
    ':error-message': str(message),
    ':message-type': str('error'),
  };
  return codec.encode({ headers, body: new Uint8Array(0) });
}
