import { asDecodeError } from './errors';
import { entriesToKeyValueList } from './kvlist-bytes';
import {
  EMPTY_BYTES,
  asBuffer,
  createReader,
  expectEnd,
  readBytesView,
  readFixed32,
  readFixed64,
  readLenEnd,
  readString,
  readUint32,
  skipField,
} from './read';
import * as W from './wire';

/** One OTLP `Span.Event` with its attributes kept as KeyValueList bytes. */
export interface DecodedEvent {
  /** ns since the epoch. */
  timeUnixNano: bigint;
  name: string;
  /** Protobuf encoding of an OTLP KeyValueList (decode with decodeKeyValueList / flattenAttributes). */
  attributes: Buffer;
  droppedAttributesCount: number;
}

/** One OTLP `Span.Link` with its attributes kept as KeyValueList bytes. */
export interface DecodedLink {
  /** 16 bytes (as sent; not validated). */
  traceId: Buffer;
  /** 8 bytes (as sent; not validated). */
  spanId: Buffer;
  traceState: string;
  /** Protobuf encoding of an OTLP KeyValueList. */
  attributes: Buffer;
  /** W3C trace flags in the low byte, as in Span.flags. */
  flags: number;
  droppedAttributesCount: number;
}

/** Decodes one element of SpanRecord.events (the protobuf encoding of a `Span.Event`). */
export function decodeEvent(bytes: Uint8Array): DecodedEvent {
  const buf = asBuffer(bytes);
  const r = createReader(buf);
  const end = buf.length;
  const starts: number[] = [];
  const ends: number[] = [];
  const event: DecodedEvent = { timeUnixNano: 0n, name: '', attributes: EMPTY_BYTES, droppedAttributesCount: 0 };
  try {
    while (r.pos < end) {
      const tagPos = r.pos;
      const tag = r.uint32();
      if (tag === W.EVENT_TIME) event.timeUnixNano = readFixed64(buf, r, end);
      else if (tag === W.EVENT_NAME) event.name = readString(buf, r, end);
      else if (tag === W.EVENT_ATTRIBUTES) {
        starts.push(tagPos);
        ends.push((r.pos = readLenEnd(r, end)));
      } else if (tag === W.EVENT_DROPPED_ATTRIBUTES) event.droppedAttributesCount = readUint32(r, end);
      else skipField(r, tag, end);
    }
    expectEnd(r, end);
  } catch (err) {
    throw asDecodeError(err, 'invalid_protobuf', 'malformed Span.Event');
  }
  event.attributes = entriesToKeyValueList(buf, starts, ends);
  return event;
}

/** Decodes one element of SpanRecord.links (the protobuf encoding of a `Span.Link`). */
export function decodeLink(bytes: Uint8Array): DecodedLink {
  const buf = asBuffer(bytes);
  const r = createReader(buf);
  const end = buf.length;
  const starts: number[] = [];
  const ends: number[] = [];
  const link: DecodedLink = {
    traceId: EMPTY_BYTES,
    spanId: EMPTY_BYTES,
    traceState: '',
    attributes: EMPTY_BYTES,
    flags: 0,
    droppedAttributesCount: 0,
  };
  try {
    while (r.pos < end) {
      const tagPos = r.pos;
      const tag = r.uint32();
      switch (tag) {
        case W.LINK_TRACE_ID:
          link.traceId = readBytesView(buf, r, end);
          break;
        case W.LINK_SPAN_ID:
          link.spanId = readBytesView(buf, r, end);
          break;
        case W.LINK_TRACE_STATE:
          link.traceState = readString(buf, r, end);
          break;
        case W.LINK_ATTRIBUTES:
          starts.push(tagPos);
          ends.push((r.pos = readLenEnd(r, end)));
          break;
        case W.LINK_DROPPED_ATTRIBUTES:
          link.droppedAttributesCount = readUint32(r, end);
          break;
        case W.LINK_FLAGS:
          link.flags = readFixed32(r, end);
          break;
        default:
          skipField(r, tag, end);
      }
    }
    expectEnd(r, end);
  } catch (err) {
    throw asDecodeError(err, 'invalid_protobuf', 'malformed Span.Link');
  }
  link.attributes = entriesToKeyValueList(buf, starts, ends);
  return link;
}
