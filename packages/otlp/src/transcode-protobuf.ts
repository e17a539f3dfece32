import { AvroWriter } from '@tailstream/avro';
import { TRACE_ID_BYTES, UNKNOWN_SERVICE, type ResourceRecord, type ScopeRecord } from '@tailstream/model';
import { readAnyValue } from './any-value';
import { anyValueAsString } from './as-string';
import { asDecodeError } from './errors';
import { entriesToKeyValueList, truncateStringValues } from './kvlist-bytes';
import type { OtlpTranscodeResult, ResolvedDecodeOptions, TruncationCounts } from './options';
import type { Reader } from './protobuf';
import { EMPTY_BYTES, createReader, expectEnd, expectRoom, readFixed32, readLenEnd, readString, readUint32, skipField, viewOf } from './read';
import { TraceBatchEncoder } from './trace-batch-encoder';
import { describeRejection, halvesWindow, isValidIdAt, isZeroAt, validateSpan, type HalvesWindow, type RejectReason } from './validation';
import * as W from './wire';

const SERVICE_NAME_KEY = Buffer.from('service.name', 'utf8');
const SPAN_ID_BYTES = 8;
const MAX_SPAN_KIND = 5;
const MAX_STATUS_CODE = 2;

/**
 * Scratch for every call (the transcode is synchronous): the request body is copied in first, so
 * that copying its fields out is a native copyWithin; then come the encoded spans, resources and
 * scopes, then one message at a time. It grows to fit the largest request seen and stays (bounded
 * by ingest's body limit).
 */
const arena = new AvroWriter(1024 * 1024);

/**
 * Transcodes a protobuf `ExportTraceServiceRequest` (given as the chunks it arrived in, in order)
 * into span-batch Avro messages, one per trace,
 * in ONE pass with a protobufjs Reader: span header fields are validated where they lie and
 * copied into Avro as bytes (IDs, strings, and the attribute, event and link lists, which stay
 * OTLP protobuf as the Avro contract says); nothing per span becomes a JS object, string or bigint.
 * Attribute entries are only looked into when a value may exceed maxAttributeValueLength. Throws
 * OtlpDecodeError when the body is malformed. The chunks are only read, and not retained.
 *
 * Strings (span name, trace state, status message) are copied as the sender's bytes: a sender
 * that breaks the protobuf rule that they be UTF-8 gets U+FFFD wherever they are decoded later.
 */
export function transcodeProtobufTraces(chunks: readonly Buffer[], options: ResolvedDecodeOptions): OtlpTranscodeResult {
  // The body at arena offset 0, so body offsets are arena offsets; room for spans and messages.
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  arena.reset();
  arena.reserve(length * 4 + 4096);
  for (const chunk of chunks) arena.raw(chunk, 0, chunk.length);
  // The scan reads the body where the arena holds it: one Buffer class in the hot functions
  // (buffers Node makes in C++, such as socket chunks, have another hidden class than those made
  // in JS, and a body of the other class used to deoptimize them all at once). Should the arena
  // grow while spans are written, this view keeps the old buffer, whose body bytes stay as they
  // were, and the grown arena holds the same body.
  const scan = new RequestScan(arena.buffer.subarray(0, length), options);
  try {
    scan.scanRequest();
  } catch (err) {
    throw asDecodeError(err, 'invalid_protobuf', 'malformed ExportTraceServiceRequest');
  }
  return scan.result();
}

class RequestScan {
  private readonly r: Reader;
  private readonly batches: TraceBatchEncoder;
  private readonly window: HalvesWindow;
  private readonly resources: ResourceRecord[] = [];
  private readonly scopes: ScopeRecord[] = [];
  /** Scratch: [start, end) of each attribute entry (tag included) of the current span. */
  private attrStarts: number[] = [];
  private attrEnds: number[] = [];
  /** Scratch: [start, end) of each event / link message body of the current span. */
  private eventStarts: number[] = [];
  private eventEnds: number[] = [];
  private linkStarts: number[] = [];
  private linkEnds: number[] = [];
  private accepted = 0;
  private rejectedCount = 0;
  private readonly rejected = new Map<RejectReason, number>();
  private firstErrorMessage: string | undefined;
  private readonly truncations: TruncationCounts = { attributes: 0, attributeValues: 0, events: 0, links: 0 };

  constructor(
    private readonly buf: Buffer,
    private readonly opts: ResolvedDecodeOptions,
  ) {
    this.r = createReader(buf);
    this.batches = new TraceBatchEncoder(buf);
    this.window = halvesWindow(opts.window);
  }

  result(): OtlpTranscodeResult {
    return {
      messages: this.batches.finish(arena, this.resources, this.scopes, this.opts.nowNs),
      accepted: this.accepted,
      rejected: this.rejected,
      rejectedCount: this.rejectedCount,
      firstErrorMessage: this.firstErrorMessage,
      truncations: this.truncations,
    };
  }

  scanRequest(): void {
    const r = this.r;
    const end = this.buf.length;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === W.REQUEST_RESOURCE_SPANS) this.scanResourceSpans(readLenEnd(r, end));
      else skipField(r, tag, end);
    }
  }

  private scanResourceSpans(end: number): void {
    const r = this.r;
    const ordinal = this.resources.length;
    // Filled in as its fields arrive (schema_url usually comes after the spans); encoded at the end.
    const resource: ResourceRecord = {
      serviceName: UNKNOWN_SERVICE,
      attributes: EMPTY_BYTES,
      droppedAttributesCount: 0,
      schemaUrl: '',
    };
    this.resources.push(resource);
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === W.RS_SCOPE_SPANS) this.scanScopeSpans(readLenEnd(r, end), ordinal);
      else if (tag === W.RS_RESOURCE) this.scanResource(readLenEnd(r, end), resource);
      else if (tag === W.RS_SCHEMA_URL) resource.schemaUrl = readString(this.buf, r, end);
      else skipField(r, tag, end);
    }
    expectEnd(r, end);
  }

  /** Keeps the attributes as bytes and only looks inside entries whose key is `service.name`. */
  private scanResource(end: number, resource: ResourceRecord): void {
    const r = this.r;
    const buf = this.buf;
    const starts: number[] = [];
    const ends: number[] = [];
    let contiguous = true;
    let serviceName: string | undefined;
    while (r.pos < end) {
      const tagPos = r.pos;
      const tag = r.uint32();
      if (tag === W.RESOURCE_ATTRIBUTES) {
        const entryEnd = readLenEnd(r, end);
        if (starts.length > 0 && ends[ends.length - 1] !== tagPos) contiguous = false;
        starts.push(tagPos);
        ends.push(entryEnd);
        if (serviceName === undefined) serviceName = this.serviceNameOf(entryEnd);
        r.pos = entryEnd;
      } else if (tag === W.RESOURCE_DROPPED_ATTRIBUTES) {
        resource.droppedAttributesCount = readUint32(r, end);
      } else {
        skipField(r, tag, end);
      }
    }
    expectEnd(r, end);
    const n = starts.length;
    // Resource.attributes has the same tag as KeyValueList.values: a contiguous run is already one.
    if (n > 0) {
      resource.attributes = contiguous ? buf.subarray(starts[0], ends[n - 1]) : entriesToKeyValueList(buf, starts, ends);
    }
    if (serviceName !== undefined && serviceName !== '') resource.serviceName = serviceName;
  }

  /** Reads the KeyValue at r.pos..entryEnd: its value as a string if the key is service.name. */
  private serviceNameOf(entryEnd: number): string | undefined {
    const r = this.r;
    const buf = this.buf;
    let keyStart = -1;
    let keyEnd = -1;
    let valueStart = -1;
    let valueEnd = -1;
    while (r.pos < entryEnd) {
      const tag = r.uint32();
      if (tag === W.KV_KEY) {
        keyEnd = readLenEnd(r, entryEnd);
        keyStart = r.pos;
        r.pos = keyEnd;
      } else if (tag === W.KV_VALUE) {
        valueEnd = readLenEnd(r, entryEnd);
        valueStart = r.pos;
        r.pos = valueEnd;
      } else {
        skipField(r, tag, entryEnd);
      }
    }
    expectEnd(r, entryEnd);
    if (keyEnd - keyStart !== SERVICE_NAME_KEY.length) return undefined;
    if (buf.compare(SERVICE_NAME_KEY, 0, SERVICE_NAME_KEY.length, keyStart, keyEnd) !== 0) return undefined;
    if (valueStart < 0) return '';
    r.pos = valueStart;
    const value = readAnyValue(buf, r, valueEnd, 0);
    return 'string' in value ? value.string : anyValueAsString(value);
  }

  private scanScopeSpans(end: number, resourceOrdinal: number): void {
    const r = this.r;
    const ordinal = this.scopes.length;
    const scope: ScopeRecord = { name: '', version: '', attributes: EMPTY_BYTES, droppedAttributesCount: 0, schemaUrl: '' };
    this.scopes.push(scope);
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === W.SS_SPANS) this.scanSpan(readLenEnd(r, end), resourceOrdinal, ordinal);
      else if (tag === W.SS_SCOPE) this.scanScope(readLenEnd(r, end), scope);
      else if (tag === W.SS_SCHEMA_URL) scope.schemaUrl = readString(this.buf, r, end);
      else skipField(r, tag, end);
    }
    expectEnd(r, end);
  }

  private scanScope(end: number, scope: ScopeRecord): void {
    const r = this.r;
    const buf = this.buf;
    const starts: number[] = [];
    const ends: number[] = [];
    while (r.pos < end) {
      const tagPos = r.pos;
      const tag = r.uint32();
      switch (tag) {
        case W.SCOPE_NAME:
          scope.name = readString(buf, r, end);
          break;
        case W.SCOPE_VERSION:
          scope.version = readString(buf, r, end);
          break;
        case W.SCOPE_ATTRIBUTES: {
          const entryEnd = readLenEnd(r, end);
          starts.push(tagPos);
          ends.push(entryEnd);
          r.pos = entryEnd;
          break;
        }
        case W.SCOPE_DROPPED_ATTRIBUTES:
          scope.droppedAttributesCount = readUint32(r, end);
          break;
        default:
          skipField(r, tag, end);
      }
    }
    expectEnd(r, end);
    if (starts.length > 0) scope.attributes = entriesToKeyValueList(buf, starts, ends);
  }

  /** The hot loop: one span's fields are located, validated in place, then written to the arena as Avro. */
  private scanSpan(end: number, resourceOrdinal: number, scopeOrdinal: number): void {
    const r = this.r;
    const buf = this.buf;
    const attrStarts = this.attrStarts;
    const attrEnds = this.attrEnds;
    const maxValueLength = this.opts.maxAttributeValueLength;
    // [start, end) of the bytes/string fields; -1 start = absent
    let traceIdStart = 0;
    let traceIdEnd = 0;
    let spanIdStart = 0;
    let spanIdEnd = 0;
    let parentStart = 0;
    let parentEnd = 0;
    let traceStateStart = 0;
    let traceStateEnd = 0;
    let nameStart = 0;
    let nameEnd = 0;
    let statusMessageStart = 0;
    let statusMessageEnd = 0;
    let flags = 0;
    let kind = 0;
    let startLo = 0;
    let startHi = 0;
    let endLo = 0;
    let endHi = 0;
    let droppedAttributes = 0;
    let droppedEvents = 0;
    let droppedLinks = 0;
    let statusCode = 0;
    let attrCount = 0;
    let attrContiguous = true;
    let mayExceedValueLength = false;
    let eventCount = 0;
    let linkCount = 0;

    while (r.pos < end) {
      const tagPos = r.pos;
      // Fast path for the most frequent field, an attribute entry shorter than 128 bytes (one-byte
      // tag and length); anything else, or anything that would overrun, takes the general path.
      if (buf[tagPos] === W.SPAN_ATTRIBUTES && tagPos + 1 < end) {
        const len = buf[tagPos + 1] as number;
        const entryEnd = tagPos + 2 + len;
        if (len < 0x80 && entryEnd <= end) {
          if (len > maxValueLength) mayExceedValueLength = true;
          if (attrCount > 0 && attrEnds[attrCount - 1] !== tagPos) attrContiguous = false;
          attrStarts[attrCount] = tagPos;
          attrEnds[attrCount] = entryEnd;
          attrCount++;
          r.pos = entryEnd;
          continue;
        }
      }
      const tag = r.uint32();
      switch (tag) {
        case W.SPAN_TRACE_ID:
          traceIdEnd = readLenEnd(r, end);
          traceIdStart = r.pos;
          r.pos = traceIdEnd;
          break;
        case W.SPAN_SPAN_ID:
          spanIdEnd = readLenEnd(r, end);
          spanIdStart = r.pos;
          r.pos = spanIdEnd;
          break;
        case W.SPAN_TRACE_STATE:
          traceStateEnd = readLenEnd(r, end);
          traceStateStart = r.pos;
          r.pos = traceStateEnd;
          break;
        case W.SPAN_PARENT_SPAN_ID:
          parentEnd = readLenEnd(r, end);
          parentStart = r.pos;
          r.pos = parentEnd;
          break;
        case W.SPAN_NAME:
          nameEnd = readLenEnd(r, end);
          nameStart = r.pos;
          r.pos = nameEnd;
          break;
        case W.SPAN_KIND:
          kind = readUint32(r, end);
          break;
        case W.SPAN_START_TIME:
          expectRoom(r, 8, end, 'fixed64');
          startLo = buf.readUInt32LE(r.pos);
          startHi = buf.readUInt32LE(r.pos + 4);
          r.pos += 8;
          break;
        case W.SPAN_END_TIME:
          expectRoom(r, 8, end, 'fixed64');
          endLo = buf.readUInt32LE(r.pos);
          endHi = buf.readUInt32LE(r.pos + 4);
          r.pos += 8;
          break;
        case W.SPAN_ATTRIBUTES: {
          const entryEnd = readLenEnd(r, end);
          // A string value can only exceed the limit if the whole entry does (1+ byte per code point).
          if (entryEnd - r.pos > maxValueLength) mayExceedValueLength = true;
          if (attrCount > 0 && attrEnds[attrCount - 1] !== tagPos) attrContiguous = false;
          attrStarts[attrCount] = tagPos;
          attrEnds[attrCount] = entryEnd;
          attrCount++;
          r.pos = entryEnd;
          break;
        }
        case W.SPAN_DROPPED_ATTRIBUTES:
          droppedAttributes = readUint32(r, end);
          break;
        case W.SPAN_EVENTS: {
          const eventEnd = readLenEnd(r, end);
          this.eventStarts[eventCount] = r.pos;
          this.eventEnds[eventCount++] = eventEnd;
          r.pos = eventEnd;
          break;
        }
        case W.SPAN_DROPPED_EVENTS:
          droppedEvents = readUint32(r, end);
          break;
        case W.SPAN_LINKS: {
          const linkEnd = readLenEnd(r, end);
          this.linkStarts[linkCount] = r.pos;
          this.linkEnds[linkCount++] = linkEnd;
          r.pos = linkEnd;
          break;
        }
        case W.SPAN_DROPPED_LINKS:
          droppedLinks = readUint32(r, end);
          break;
        case W.SPAN_STATUS: {
          const statusEnd = readLenEnd(r, end);
          while (r.pos < statusEnd) {
            const t = r.uint32();
            if (t === W.STATUS_CODE) statusCode = readUint32(r, statusEnd);
            else if (t === W.STATUS_MESSAGE) {
              statusMessageEnd = readLenEnd(r, statusEnd);
              statusMessageStart = r.pos;
              r.pos = statusMessageEnd;
            } else skipField(r, t, statusEnd);
          }
          expectEnd(r, statusEnd);
          break;
        }
        case W.SPAN_FLAGS:
          flags = readFixed32(r, end);
          break;
        default:
          skipField(r, tag, end);
      }
    }
    expectEnd(r, end);

    const traceIdValid = isValidIdAt(buf, traceIdStart, traceIdEnd - traceIdStart, TRACE_ID_BYTES);
    const spanIdValid = isValidIdAt(buf, spanIdStart, spanIdEnd - spanIdStart, SPAN_ID_BYTES);
    const reason = validateSpan(
      traceIdValid,
      spanIdValid,
      parentEnd - parentStart,
      nameEnd - nameStart,
      startHi,
      startLo,
      endHi,
      endLo,
      this.window,
    );
    if (reason !== undefined) {
      this.reject(reason, viewOf(buf, traceIdStart, traceIdEnd), viewOf(buf, spanIdStart, spanIdEnd));
      return;
    }
    // An all-zero 8-byte parent means "no parent" (root).
    if (parentEnd - parentStart === SPAN_ID_BYTES && isZeroAt(buf, parentStart, parentEnd)) parentEnd = parentStart;

    // Normalization: count limits (keep the first N).
    const opts = this.opts;
    const truncations = this.truncations;
    if (attrCount > opts.maxAttributesPerSpan) {
      const extra = attrCount - opts.maxAttributesPerSpan;
      droppedAttributes += extra;
      truncations.attributes += extra;
      attrCount = opts.maxAttributesPerSpan;
    }
    if (eventCount > opts.maxEventsPerSpan) {
      const extra = eventCount - opts.maxEventsPerSpan;
      droppedEvents += extra;
      truncations.events += extra;
      eventCount = opts.maxEventsPerSpan;
    }
    if (linkCount > opts.maxLinksPerSpan) {
      const extra = linkCount - opts.maxLinksPerSpan;
      droppedLinks += extra;
      truncations.links += extra;
      linkCount = opts.maxLinksPerSpan;
    }

    // The span in span-batch.v2 field order, in two pieces around resourceIndex/scopeIndex.
    const a = arena;
    const start = a.pos;
    a.bytesOwn(spanIdStart, spanIdEnd);
    a.bytesOwn(parentStart, parentEnd);
    a.bytesOwn(traceStateStart, traceStateEnd);
    a.int(flags);
    a.bytesOwn(nameStart, nameEnd);
    a.int(kind <= MAX_SPAN_KIND ? kind : 0);
    a.longHalves(startLo, startHi);
    a.longHalves(endLo, endHi);
    a.int(statusCode <= MAX_STATUS_CODE ? statusCode : 0);
    a.bytesOwn(statusMessageStart, statusMessageEnd);
    const mid = a.pos;
    this.writeAttributes(attrCount, attrContiguous, mayExceedValueLength);
    a.int(droppedAttributes);
    writeRanges(a, this.eventStarts, this.eventEnds, eventCount);
    a.int(droppedEvents);
    writeRanges(a, this.linkStarts, this.linkEnds, linkCount);
    a.int(droppedLinks);
    this.accepted++;
    this.batches.add(traceIdStart, start, mid, a.pos, resourceOrdinal, scopeOrdinal);
  }

  /**
   * The span's first `count` attribute entries as the Avro `bytes` of a KeyValueList. Adjacent
   * entries (the usual case) are copied in one piece, then each Span.attributes tag byte is turned
   * into a KeyValueList.values tag in the copy; values that may exceed the length limit go through
   * truncateStringValues.
   */
  private writeAttributes(count: number, contiguous: boolean, mayExceedValueLength: boolean): void {
    const a = arena;
    if (count === 0) {
      a.int(0);
      return;
    }
    const buf = this.buf;
    const starts = this.attrStarts;
    const ends = this.attrEnds;
    if (contiguous && !mayExceedValueLength) {
      const first = starts[0] as number;
      a.int((ends[count - 1] as number) - first);
      const at = a.pos;
      a.copyOwn(first, ends[count - 1] as number);
      const copy = a.buffer;
      for (let i = 0; i < count; i++) copy[at + (starts[i] as number) - first] = W.KVLIST_VALUES;
      return;
    }
    let attributes = entriesToKeyValueList(buf, starts.slice(0, count), ends.slice(0, count));
    if (mayExceedValueLength) {
      const cut = truncateStringValues(attributes, this.opts.maxAttributeValueLength);
      attributes = cut.attributes;
      this.truncations.attributeValues += cut.truncated;
    }
    a.bytes(attributes);
  }

  private reject(reason: RejectReason, traceId: Buffer, spanId: Buffer): void {
    this.rejectedCount++;
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
    this.firstErrorMessage ??= describeRejection(reason, traceId, spanId);
  }
}

/** An Avro array of `bytes`, the body ranges [starts[i], ends[i]) (one block, then the end marker). */
function writeRanges(w: AvroWriter, starts: readonly number[], ends: readonly number[], count: number): void {
  if (count > 0) {
    w.int(count);
    for (let i = 0; i < count; i++) w.bytesOwn(starts[i] as number, ends[i] as number);
  }
  w.int(0);
}
