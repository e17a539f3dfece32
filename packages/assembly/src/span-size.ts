import type { SpanRecord } from '@tailstream/model';

/**
 * Size estimate of one span in bytes: its attribute, event and link buffers (or, for a span read
 * lazily, its whole encoded record) plus a fixed overhead for the header fields. Cheap (no decoding) and independent of arrival order.
 */
export function estimateSpanBytes(span: SpanRecord, overheadBytes: number): number {
  // A span read lazily from its Avro record knows that record's size: no field needs decoding.
  const encoded = (span as { encodedBytes?: number }).encodedBytes;
  if (encoded !== undefined) return overheadBytes + encoded;
  let bytes = overheadBytes + span.attributes.length;
  const events = span.events;
  for (let i = 0; i < events.length; i++) bytes += (events[i] as Buffer).length;
  const links = span.links;
  for (let i = 0; i < links.length; i++) bytes += (links[i] as Buffer).length;
  return bytes;
}
