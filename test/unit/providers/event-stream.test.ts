import zlib from 'node:zlib';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { encodeErrorFrame, encodeEvent, encodeException } from '../../../src/providers/emulator/event-stream';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function headerValues(headers: Record<string, { type: string; value: unknown }>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.value]));
}

describe('AWS event-stream frames', () => {
  it('round-trips an event frame: headers in Bedrock order, JSON payload with padding, valid CRCs', () => {
    const frame = encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi ✓' } });
    const buf = Buffer.from(frame);
    expect(buf.readUInt32BE(0)).toBe(buf.length);
    expect(buf.readUInt32BE(8)).toBe(zlib.crc32(buf.subarray(0, 8)));
    expect(buf.readUInt32BE(buf.length - 4)).toBe(zlib.crc32(buf.subarray(0, buf.length - 4)));
    const msg = codec.decode(frame);
    expect(Object.keys(msg.headers)).toEqual([':event-type', ':content-type', ':message-type']);
    expect(headerValues(msg.headers)).toEqual({ ':event-type': 'contentBlockDelta', ':content-type': 'application/json', ':message-type': 'event' });
    const body = JSON.parse(toUtf8(msg.body));
    expect(body).toMatchObject({ contentBlockIndex: 0, delta: { text: 'Hi ✓' } });
    expect(body.p).toMatch(/^[a-zA-Z0-9]+$/);
  });

  it('encodes modeled exception and unmodeled error frames', () => {
    const ex = codec.decode(encodeException('throttlingException', { message: 'slow down' }));
    expect(headerValues(ex.headers)).toEqual({ ':exception-type': 'throttlingException', ':content-type': 'application/json', ':message-type': 'exception' });
    expect(JSON.parse(toUtf8(ex.body))).toEqual({ message: 'slow down' });
    const err = codec.decode(encodeErrorFrame('WeirdFailure', 'boom'));
    expect(headerValues(err.headers)).toEqual({ ':error-code': 'WeirdFailure', ':error-message': 'boom', ':message-type': 'error' });
    expect(err.body.length).toBe(0);
  });

  it('is refused by the decoder when a byte is corrupted (the CRC covers the payload)', () => {
    const frame = Buffer.from(encodeEvent('messageStop', { stopReason: 'end_turn' }));
    frame[frame.length - 10] ^= 0xff;
    expect(() => codec.decode(frame)).toThrow(/checksum/i);
  });
});
