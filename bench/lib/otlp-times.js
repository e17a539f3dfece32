'use strict';
/**
 * Re-timing pre-encoded OTLP protobuf requests in place. A bench encodes its traffic once
 * (encoding costs more than ingest's decoding, so a sender that encodes while it sends measures
 * itself), then, just before sending a body, moves all its timestamps by the same amount so the
 * spans look like they just ended. Only fixed64 fields are touched, so the body keeps its length.
 *
 * Fields (opentelemetry-proto): ExportTraceServiceRequest.resource_spans = 1 →
 * ResourceSpans.scope_spans = 2 → ScopeSpans.spans = 2 → Span.start_time_unix_nano = 7,
 * end_time_unix_nano = 8 (fixed64), Span.events = 11 → Event.time_unix_nano = 1 (fixed64).
 */

function readVarint(buf, pos) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new RangeError('truncated varint');
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, pos];
    shift += 7;
  }
}

/** Calls visit(field, wireType, start, end) for each field of the message in buf[start, end). */
function eachField(buf, start, end, visit) {
  let pos = start;
  while (pos < end) {
    let tag;
    [tag, pos] = readVarint(buf, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      [, pos] = readVarint(buf, pos);
    } else if (wire === 1) {
      visit(field, wire, pos, pos + 8);
      pos += 8;
    } else if (wire === 2) {
      let len;
      [len, pos] = readVarint(buf, pos);
      visit(field, wire, pos, pos + len);
      pos += len;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new RangeError(`unsupported wire type ${wire}`);
    }
  }
}

/**
 * Offsets of every timestamp in an encoded ExportTraceServiceRequest, and its latest span end.
 * @returns {{ offsets: Int32Array, maxEndNs: bigint, spans: number }}
 */
function indexTimestamps(body) {
  const offsets = [];
  let maxEndNs = 0n;
  let spans = 0;
  eachField(body, 0, body.length, (f, w, s, e) => {
    if (f !== 1 || w !== 2) return;
    eachField(body, s, e, (f2, w2, s2, e2) => {
      if (f2 !== 2 || w2 !== 2) return;
      eachField(body, s2, e2, (f3, w3, s3, e3) => {
        if (f3 !== 2 || w3 !== 2) return;
        spans++;
        eachField(body, s3, e3, (f4, w4, s4, e4) => {
          if ((f4 === 7 || f4 === 8) && w4 === 1) {
            offsets.push(s4);
            if (f4 === 8) {
              const end = body.readBigUInt64LE(s4);
              if (end > maxEndNs) maxEndNs = end;
            }
          } else if (f4 === 11 && w4 === 2) {
            eachField(body, s4, e4, (f5, w5, s5) => {
              if (f5 === 1 && w5 === 1) offsets.push(s5);
            });
          }
        });
      });
    });
  });
  return { offsets: Int32Array.from(offsets), maxEndNs, spans };
}

/** Adds `deltaNs` (may be negative) to every indexed timestamp of `body`, in place. */
function shiftTimestamps(body, offsets, deltaNs) {
  if (deltaNs === 0n) return;
  for (let i = 0; i < offsets.length; i++) {
    const at = offsets[i];
    body.writeBigUInt64LE(body.readBigUInt64LE(at) + deltaNs, at);
  }
}

/**
 * A body plus what re-timing needs. `retimeToEndAt(ns)` shifts it so its latest span ends at
 * `ns` and returns the shift applied.
 */
class RetimableBody {
  constructor(body) {
    const { offsets, maxEndNs, spans } = indexTimestamps(body);
    this.body = body;
    this.offsets = offsets;
    this.maxEndNs = maxEndNs;
    /** The latest span end as generated (virtual timeline), kept across re-timings. */
    this.virtualEndNs = maxEndNs;
    this.spans = spans;
  }

  retimeToEndAt(ns) {
    const delta = ns - this.maxEndNs;
    shiftTimestamps(this.body, this.offsets, delta);
    this.maxEndNs = ns;
    return delta;
  }
}

module.exports = { indexTimestamps, shiftTimestamps, RetimableBody };
