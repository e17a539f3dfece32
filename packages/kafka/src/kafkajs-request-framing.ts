/**
 * Request framing for kafkajs 2.2.4 in one buffer: a drop-in for the export of
 * `protocol/request.js` (`createRequest`, bound by `network/connection.js` when it loads). Installed
 * by `kafkajs-speedups.ts`.
 *
 * kafkajs writes the header (api key, api version, correlation id, client id) into one encoder,
 * copies the encoded request into it, then copies all of that again behind the INT32 size prefix.
 * Here the frame is one buffer sized up front: the request is copied once, or not at all when its
 * `encode` takes a headroom (the one-pass Produce encoder, `kafkajs-produce-encoder.ts`) and writes
 * itself behind the space left for the header. Same bytes and the same Encoder-shaped result
 * (`connection.js` sends `.buffer`).
 */
import { ENCODE_WITH_HEADROOM, type EncodeWithHeadroom, type KafkajsEncoder } from './kafkajs-produce-encoder';

interface FramedRequest {
  correlationId: number;
  clientId: string | null | undefined;
  request: { apiKey: number; apiVersion: number; encode: EncodeWithHeadroom | (() => unknown) };
}

/** `Encoder` = the `protocol/encoder.js` export, whose prototype makes the result a real Encoder. */
export function createRequestFraming(Encoder: { prototype: object }): (args: FramedRequest) => Promise<KafkajsEncoder> {
  return async ({ correlationId, clientId, request: { apiKey, apiVersion, encode } }) => {
    // size, api key, api version, correlation id, client id (INT16 length, -1 for null)
    const clientIdLength = clientId == null ? -1 : Buffer.byteLength(clientId, 'utf8');
    const headerSize = 4 + 2 + 2 + 4 + 2 + Math.max(clientIdLength, 0);
    let frame: Buffer;
    let size: number;
    if ((encode as EncodeWithHeadroom)[ENCODE_WITH_HEADROOM] === true) {
      const encoded = await (encode as EncodeWithHeadroom)(headerSize);
      frame = encoded.buf;
      size = encoded.offset;
    } else {
      const payload = (await encode()) as KafkajsEncoder | null | undefined;
      if (payload == null || !Buffer.isBuffer(payload.buf)) throw new Error('value should be an instance of Encoder');
      const body = payload.buffer;
      size = headerSize + body.length;
      frame = Buffer.allocUnsafe(size);
      body.copy(frame, headerSize);
    }
    frame.writeInt32BE(size - 4, 0);
    frame.writeInt16BE(apiKey, 4);
    frame.writeInt16BE(apiVersion, 6);
    frame.writeInt32BE(correlationId, 8);
    frame.writeInt16BE(clientIdLength, 12);
    if (clientIdLength > 0) frame.write(clientId!, 14, clientIdLength, 'utf8');
    const result = Object.create(Encoder.prototype) as KafkajsEncoder;
    result.buf = frame;
    result.offset = size;
    return result;
  };
}
