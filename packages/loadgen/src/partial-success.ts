/**
 * Reads `partial_success.rejected_spans` (and its message) from an OTLP/HTTP response body:
 * protobuf `ExportTraceServiceResponse` or its JSON form. Lenient: an empty or unreadable body
 * counts as "nothing rejected" (the status code already said the request was accepted).
 */
export interface ExportOutcome {
  rejectedSpans: number;
  errorMessage: string;
}

export function parseExportResponse(body: Buffer, contentType: string): ExportOutcome {
  const none = { rejectedSpans: 0, errorMessage: '' };
  if (body.length === 0) return none;
  if (contentType.includes('json')) {
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string } };
      const p = parsed.partialSuccess;
      return { rejectedSpans: Number(p?.rejectedSpans ?? 0) || 0, errorMessage: p?.errorMessage ?? '' };
    } catch {
      return none;
    }
  }
  try {
    return readProtobufResponse(body);
  } catch {
    return none;
  }
}

// ExportTraceServiceResponse.partial_success = 1 (LEN); ExportTracePartialSuccess.rejected_spans = 1
// (VARINT, int64), error_message = 2 (LEN).
function readProtobufResponse(buf: Buffer): ExportOutcome {
  const out = { rejectedSpans: 0, errorMessage: '' };
  const top = new Cursor(buf, 0, buf.length);
  while (top.more()) {
    const tag = top.varint();
    if (tag === 0x0a) {
      const len = top.varint();
      const inner = new Cursor(buf, top.pos, top.pos + len);
      top.pos += len;
      while (inner.more()) {
        const t = inner.varint();
        if (t === 0x08) out.rejectedSpans = inner.varint();
        else if (t === 0x12) {
          const n = inner.varint();
          out.errorMessage = buf.toString('utf8', inner.pos, inner.pos + n);
          inner.pos += n;
        } else inner.skip(t);
      }
    } else top.skip(tag);
  }
  return out;
}

class Cursor {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly end: number,
  ) {}
  more(): boolean {
    return this.pos < this.end;
  }
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return result;
    }
    throw new RangeError('varint too long');
  }
  skip(tag: number): void {
    const wire = tag & 7;
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.pos += this.varint();
    else if (wire === 5) this.pos += 4;
    else throw new RangeError(`unsupported wire type ${wire}`);
  }
}
