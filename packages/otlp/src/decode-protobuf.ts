import { TRACE_ID_BYTES, UNKNOWN_SERVICE, type ResourceRecord, type ScopeRecord, type SpanRecord } from '@tailstream/model';
import { readAnyValue } from './any-value';
import { anyValueAsString } from './as-string';
import { TraceBatcher } from './batcher';
import { asDecodeError } from './errors';
import { entriesToKeyValueList, truncateStringValues } from './kvlist-bytes';
import type { OtlpDecodeResult, ResolvedDecodeOptions, TruncationCounts } from './options';
import type { Reader } from './protobuf';
import {
  EMPTY_BYTES,
  createReader,
  expectEnd,
  readBytesView,
  readFixed32,
  readFixed64,
  readLenEnd,
  readString,
  readUint32,
  skipField,
  viewOf,
} from './read';
import { describeRejection, isValidIdAt, isZero, validateSpan, type RejectReason } from './validation';
import * as W from './wire';

const SERVICE_NAME_KEY = Buffer.from('service.name', 'utf8');
const MAX_SPAN_KIND = 5;
const MAX_STATUS_CODE = 2;

/**
 * Decodes a protobuf `ExportTraceServiceRequest` in ONE pass with a protobufjs Reader, decoding
 * only span header fields into JS values. Attribute lists stay bytes (re-tagged into KeyValueLists,
 * never decoded, except a value that may exceed maxAttributeValueLength). Throws OtlpDecodeError
 * when the body is malformed.
 *
 * The scan works on one private copy of `body` (one memcpy, cheaper than a copy per span): the
 * attribute tags are rewritten in place there, and every Buffer in the batches (IDs, attributes,
 * events, links) is a view into it. The caller's `body` is never modified or retained.
 */
export function decodeProtobufTraces(body: Buffer, options: ResolvedDecodeOptions): OtlpDecodeResult {
  const copy = Buffer.allocUnsafe(body.length);
  body.copy(copy);
  const scan = new RequestScan(copy, options);
  try {
    scan.scanRequest();
  } catch (err) {
    throw asDecodeError(err, 'invalid_protobuf', 'malformed ExportTraceServiceRequest');
  }
  return scan.result();
}

class RequestScan {
  private readonly r: Reader;
  private readonly batcher: TraceBatcher;
  private resourceOrdinal = -1;
  private scopeOrdinal = -1;
  /** Scratch: [start, end) of each attribute entry of the current span. */
  private attrStarts: number[] = [];
  private attrEnds: number[] = [];
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
    this.batcher = new TraceBatcher(buf, opts.nowNs);
  }

  result(): OtlpDecodeResult {
    return {
      batches: this.batcher.batches(),
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
    const ordinal = ++this.resourceOrdinal;
    // Filled in as its fields arrive (schema_url usually comes after the spans).
    const resource: ResourceRecord = {
      serviceName: UNKNOWN_SERVICE,
      attributes: EMPTY_BYTES,
      droppedAttributesCount: 0,
      schemaUrl: '',
    };
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === W.RS_SCOPE_SPANS) this.scanScopeSpans(readLenEnd(r, end), resource, ordinal);
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

  private scanScopeSpans(end: number, resource: ResourceRecord, resourceOrdinal: number): void {
    const r = this.r;
    const ordinal = ++this.scopeOrdinal;
    const scope: ScopeRecord = { name: '', version: '', attributes: EMPTY_BYTES, droppedAttributesCount: 0, schemaUrl: '' };
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === W.SS_SPANS) this.scanSpan(readLenEnd(r, end), resource, resourceOrdinal, scope, ordinal);
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

  /** The hot loop: one span's header fields, attribute entry offsets, event/link views. */
  private scanSpan(end: number, resource: ResourceRecord, resourceOrdinal: number, scope: ScopeRecord, scopeOrdinal: number): void {
    const r = this.r;
    const buf = this.buf;
    const starts = this.attrStarts;
    const ends = this.attrEnds;
    const maxValueLength = this.opts.maxAttributeValueLength;
    let traceIdStart = 0;
    let traceIdLength = 0;
    let spanId = EMPTY_BYTES;
    let parentSpanId = EMPTY_BYTES;
    let traceState = '';
    let flags = 0;
    let name = '';
    let kind = 0;
    let startNs = 0n;
    let endNs = 0n;
    let droppedAttributes = 0;
    let droppedEvents = 0;
    let droppedLinks = 0;
    let statusCode = 0;
    let statusMessage = '';
    let attrCount = 0;
    let attrContiguous = true;
    let mayExceedValueLength = false;
    let events: Buffer[] | undefined;
    let links: Buffer[] | undefined;

    while (r.pos < end) {
      const tagPos = r.pos;
      const tag = r.uint32();
      switch (tag) {
        case W.SPAN_TRACE_ID: {
          // Not materialized per span: the batcher makes one view per trace.
          const idEnd = readLenEnd(r, end);
          traceIdStart = r.pos;
          traceIdLength = idEnd - traceIdStart;
          r.pos = idEnd;
          break;
        }
        case W.SPAN_SPAN_ID:
          spanId = readBytesView(buf, r, end);
          break;
        case W.SPAN_TRACE_STATE:
          traceState = readString(buf, r, end);
          break;
        case W.SPAN_PARENT_SPAN_ID:
          parentSpanId = readBytesView(buf, r, end);
          break;
        case W.SPAN_NAME:
          name = readString(buf, r, end);
          break;
        case W.SPAN_KIND:
          kind = readUint32(r, end);
          break;
        case W.SPAN_START_TIME:
          startNs = readFixed64(buf, r, end);
          break;
        case W.SPAN_END_TIME:
          endNs = readFixed64(buf, r, end);
          break;
        case W.SPAN_ATTRIBUTES: {
          const entryEnd = readLenEnd(r, end);
          // A string value can only exceed the limit if the whole entry does (1+ byte per code point).
          if (entryEnd - r.pos > maxValueLength) mayExceedValueLength = true;
          if (attrCount > 0 && ends[attrCount - 1] !== tagPos) attrContiguous = false;
          starts[attrCount] = tagPos;
          ends[attrCount] = entryEnd;
          attrCount++;
          r.pos = entryEnd;
          break;
        }
        case W.SPAN_DROPPED_ATTRIBUTES:
          droppedAttributes = readUint32(r, end);
          break;
        case W.SPAN_EVENTS:
          (events ??= []).push(readBytesView(buf, r, end));
          break;
        case W.SPAN_DROPPED_EVENTS:
          droppedEvents = readUint32(r, end);
          break;
        case W.SPAN_LINKS:
          (links ??= []).push(readBytesView(buf, r, end));
          break;
        case W.SPAN_DROPPED_LINKS:
          droppedLinks = readUint32(r, end);
          break;
        case W.SPAN_STATUS: {
          const statusEnd = readLenEnd(r, end);
          while (r.pos < statusEnd) {
            const t = r.uint32();
            if (t === W.STATUS_CODE) statusCode = readUint32(r, statusEnd);
            else if (t === W.STATUS_MESSAGE) statusMessage = readString(buf, r, statusEnd);
            else skipField(r, t, statusEnd);
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

    if (parentSpanId.length === 8 && isZero(parentSpanId)) parentSpanId = EMPTY_BYTES;
    const traceIdValid = isValidIdAt(buf, traceIdStart, traceIdLength, TRACE_ID_BYTES);
    const reason = validateSpan(traceIdValid, spanId, parentSpanId, name, startNs, endNs, this.opts.window);
    if (reason !== undefined) {
      this.reject(reason, viewOf(buf, traceIdStart, traceIdStart + traceIdLength), spanId);
      return;
    }

    // Normalization: count limits (keep the first N), then value length.
    const opts = this.opts;
    const truncations = this.truncations;
    if (attrCount > opts.maxAttributesPerSpan) {
      const extra = attrCount - opts.maxAttributesPerSpan;
      droppedAttributes += extra;
      truncations.attributes += extra;
      attrCount = opts.maxAttributesPerSpan;
    }
    let attributes = EMPTY_BYTES;
    if (attrCount > 0) {
      attributes = attrContiguous
        ? this.retagContiguousEntries(attrCount)
        : entriesToKeyValueList(buf, starts.slice(0, attrCount), ends.slice(0, attrCount));
      if (mayExceedValueLength) {
        const cut = truncateStringValues(attributes, maxValueLength);
        attributes = cut.attributes;
        truncations.attributeValues += cut.truncated;
      }
    }
    if (events !== undefined && events.length > opts.maxEventsPerSpan) {
      const extra = events.length - opts.maxEventsPerSpan;
      events.length = opts.maxEventsPerSpan;
      droppedEvents += extra;
      truncations.events += extra;
    }
    if (links !== undefined && links.length > opts.maxLinksPerSpan) {
      const extra = links.length - opts.maxLinksPerSpan;
      links.length = opts.maxLinksPerSpan;
      droppedLinks += extra;
      truncations.links += extra;
    }

    const span: SpanRecord = {
      spanId,
      parentSpanId,
      traceState,
      flags,
      name,
      kind: kind <= MAX_SPAN_KIND ? kind : 0,
      startTimeUnixNano: startNs,
      endTimeUnixNano: endNs,
      statusCode: statusCode <= MAX_STATUS_CODE ? statusCode : 0,
      statusMessage,
      resourceIndex: 0,
      scopeIndex: 0,
      attributes,
      droppedAttributesCount: droppedAttributes,
      events: events ?? [],
      droppedEventsCount: droppedEvents,
      links: links ?? [],
      droppedLinksCount: droppedLinks,
    };
    this.accepted++;
    this.batcher.add(traceIdStart, span, resource, resourceOrdinal, scope, scopeOrdinal);
  }

  /**
   * The first `count` attribute entries of the current span are adjacent in the (private) body:
   * turning each Span.attributes tag into a KeyValueList.values tag makes them a KeyValueList.
   */
  private retagContiguousEntries(count: number): Buffer {
    const buf = this.buf;
    const starts = this.attrStarts;
    for (let i = 0; i < count; i++) buf[starts[i] as number] = W.KVLIST_VALUES;
    return buf.subarray(starts[0] as number, this.attrEnds[count - 1] as number);
  }

  private reject(reason: RejectReason, traceId: Buffer, spanId: Buffer): void {
    this.rejectedCount++;
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
    this.firstErrorMessage ??= describeRejection(reason, traceId, spanId);
  }
}
