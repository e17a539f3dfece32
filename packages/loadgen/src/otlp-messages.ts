import { encodeKeyValueList, type KeyValue } from '@tailstream/otlp';

/**
 * Protobuf encodings of one OTLP `Span.Event` and one `Span.Link` (the form SpanRecord.events /
 * links hold). Attribute lists are encoded by @tailstream/otlp as a KeyValueList, whose entries
 * (field 1) are re-tagged to the attributes field of the event (3) or link (4): the KeyValue
 * bytes themselves are identical.
 *
 * Field numbers (opentelemetry/proto/trace/v1/trace.proto):
 *   Event: time_unix_nano fixed64 = 1, name string = 2, attributes KeyValue = 3
 *   Link:  trace_id bytes = 1, span_id bytes = 2, trace_state string = 3, attributes KeyValue = 4, flags fixed32 = 6
 */

const EVENT_TIME = 0x09; // 1, I64
const EVENT_NAME = 0x12; // 2, LEN
const EVENT_ATTRIBUTE = 0x1a; // 3, LEN
const LINK_TRACE_ID = 0x0a; // 1, LEN
const LINK_SPAN_ID = 0x12; // 2, LEN
const LINK_TRACE_STATE = 0x1a; // 3, LEN
const LINK_ATTRIBUTE = 0x22; // 4, LEN
const LINK_FLAGS = 0x35; // 6, I32
const KVLIST_ENTRY = 0x0a; // KeyValueList.values = 1, LEN

/** Encodes one `Span.Event`. */
export function encodeSpanEvent(timeUnixNano: bigint, name: string, attributes: KeyValue[]): Buffer {
  const parts: Buffer[] = [];
  const time = Buffer.allocUnsafe(9);
  time[0] = EVENT_TIME;
  time.writeBigUInt64LE(BigInt.asUintN(64, timeUnixNano), 1);
  parts.push(time);
  if (name !== '') parts.push(lenField(EVENT_NAME, Buffer.from(name, 'utf8')));
  if (attributes.length > 0) parts.push(retag(encodeKeyValueList(attributes), EVENT_ATTRIBUTE));
  return Buffer.concat(parts);
}

/** Encodes one `Span.Link` (flags: W3C trace flags, 1 = sampled). */
export function encodeSpanLink(traceId: Buffer, spanId: Buffer, attributes: KeyValue[], flags = 1, traceState = ''): Buffer {
  const parts: Buffer[] = [lenField(LINK_TRACE_ID, traceId), lenField(LINK_SPAN_ID, spanId)];
  if (traceState !== '') parts.push(lenField(LINK_TRACE_STATE, Buffer.from(traceState, 'utf8')));
  if (attributes.length > 0) parts.push(retag(encodeKeyValueList(attributes), LINK_ATTRIBUTE));
  if (flags !== 0) {
    const f = Buffer.allocUnsafe(5);
    f[0] = LINK_FLAGS;
    f.writeUInt32LE(flags >>> 0, 1);
    parts.push(f);
  }
  return Buffer.concat(parts);
}

function lenField(tag: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), varint(payload.length), payload]);
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n >>> 0;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/** Rewrites the one-byte tag of every top-level field of a KeyValueList (all are field 1, LEN). */
function retag(list: Buffer, tag: number): Buffer {
  const out = Buffer.from(list);
  let pos = 0;
  while (pos < out.length) {
    if (out[pos] !== KVLIST_ENTRY) throw new Error('unexpected field in an encoded KeyValueList');
    out[pos] = tag;
    pos++;
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = out[pos++] as number;
      len += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) break;
    }
    pos += len;
  }
  return out;
}
