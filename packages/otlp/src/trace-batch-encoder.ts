import { writeResourceRecord, writeScopeRecord, type AvroWriter } from '@tailstream/avro';
import type { ResourceRecord, ScopeRecord } from '@tailstream/model';
import type { TraceBatchMessage } from './options';

interface BatchBuilder {
  /** Offset of the trace ID's 16 bytes in the request body. */
  traceIdStart: number;
  /** Request-level ordinal of each resource / scope the batch uses, in order of first use. */
  resourceOrdinals: number[];
  scopeOrdinals: number[];
  /** Per span, five numbers: arena offsets [start, mid) and [mid, end) around the two index fields, then resourceIndex, scopeIndex. */
  spans: number[];
  /** Next builder whose trace ID has the same hash. */
  next: BatchBuilder | undefined;
}

const SPAN_FIELDS = 5;

/**
 * Groups the transcoded spans of one request by trace ID, in order of first appearance, and
 * writes one span-batch.v2 Avro message per trace. Each span arrives already encoded in the arena
 * (after the request body) as two pieces, the fields before and after resourceIndex/scopeIndex, because those two indexes
 * are only known per batch: a batch lists just the resources and scopes its spans use.
 *
 * Trace IDs are looked up by a 32-bit hash of their bytes read in place (no string keys, no
 * Buffer per span); equal hashes are told apart by comparing the bytes.
 */
export class TraceBatchEncoder {
  private readonly byHash = new Map<number, BatchBuilder>();
  private readonly builders: BatchBuilder[] = [];
  private last: BatchBuilder | undefined;

  constructor(private readonly body: Buffer) {}

  /** Adds the span encoded at arena[start, mid) + arena[mid, end), of the trace whose ID is at body[traceIdStart..+16]. */
  add(traceIdStart: number, start: number, mid: number, end: number, resourceOrdinal: number, scopeOrdinal: number): void {
    const body = this.body;
    let b = this.last;
    if (b === undefined || !sameId(body, b.traceIdStart, traceIdStart)) {
      // Kept within 30 bits so it stays a small integer (V8 Smi): fast Map keys, no deopts.
      const hash =
        (body.readInt32LE(traceIdStart) ^
          body.readInt32LE(traceIdStart + 4) ^
          body.readInt32LE(traceIdStart + 8) ^
          body.readInt32LE(traceIdStart + 12)) &
        0x3fffffff;
      const head = this.byHash.get(hash);
      b = head;
      while (b !== undefined && !sameId(body, b.traceIdStart, traceIdStart)) b = b.next;
      if (b === undefined) {
        b = { traceIdStart, resourceOrdinals: [], scopeOrdinals: [], spans: [], next: head };
        this.byHash.set(hash, b);
        this.builders.push(b);
      }
      this.last = b;
    }
    b.spans.push(start, mid, end, localIndex(b.resourceOrdinals, resourceOrdinal), localIndex(b.scopeOrdinals, scopeOrdinal));
  }

  /**
   * Writes every batch. `arena` holds the request body at offset 0 and the spans; each used
   * resource and scope is encoded into it once, then the messages are written after them and
   * copied out. `receivedAtUnixNano` ends every batch.
   */
  finish(arena: AvroWriter, resources: readonly ResourceRecord[], scopes: readonly ScopeRecord[], receivedAtUnixNano: bigint): TraceBatchMessage[] {
    if (this.builders.length === 0) return [];
    const resourceRanges = encodeOnce(this.builders, (b) => b.resourceOrdinals, resources.length, (o) => writeResourceRecord(arena, resources[o]!), arena);
    const scopeRanges = encodeOnce(this.builders, (b) => b.scopeOrdinals, scopes.length, (o) => writeScopeRecord(arena, scopes[o]!), arena);
    // The messages are written one after another, then copied out together: one allocation per
    // request, each message a view of it (they live as long as the request's Kafka write).
    const first = arena.pos;
    const ends: number[] = [];
    for (const b of this.builders) {
      arena.bytesOwn(b.traceIdStart, b.traceIdStart + 16);
      writeRecords(arena, b.resourceOrdinals, resourceRanges);
      writeRecords(arena, b.scopeOrdinals, scopeRanges);
      const spans = b.spans;
      arena.int(spans.length / SPAN_FIELDS);
      for (let i = 0; i < spans.length; i += SPAN_FIELDS) {
        arena.copyOwn(spans[i] as number, spans[i + 1] as number);
        arena.int(spans[i + 3] as number);
        arena.int(spans[i + 4] as number);
        arena.copyOwn(spans[i + 1] as number, spans[i + 2] as number);
      }
      arena.int(0);
      arena.long(receivedAtUnixNano);
      ends.push(arena.pos - first);
    }
    const all = arena.takeFrom(first);
    const messages: TraceBatchMessage[] = [];
    let start = 0;
    for (let i = 0; i < ends.length; i++) {
      const value = all.subarray(start, ends[i]);
      // bytes(traceId) is a one-byte length (16, zig-zag 0x20) and the 16 bytes
      messages.push({ traceId: value.subarray(1, 17), value, spanCount: this.builders[i]!.spans.length / SPAN_FIELDS });
      start = ends[i] as number;
    }
    return messages;
  }
}

/**
 * Encodes each record some batch uses, once, into the arena; returns [start, end) per ordinal
 * (two numbers each; -1 for records no batch uses).
 */
function encodeOnce(
  builders: readonly BatchBuilder[],
  ordinalsOf: (b: BatchBuilder) => readonly number[],
  count: number,
  write: (ordinal: number) => void,
  arena: AvroWriter,
): Int32Array {
  const ranges = new Int32Array(count * 2).fill(-1);
  for (const b of builders) {
    for (const o of ordinalsOf(b)) {
      if (ranges[o * 2] !== -1) continue;
      ranges[o * 2] = arena.pos;
      write(o);
      ranges[o * 2 + 1] = arena.pos;
    }
  }
  return ranges;
}

/** An Avro array of records already encoded in the arena (one block, then the end marker). */
function writeRecords(arena: AvroWriter, ordinals: readonly number[], ranges: Int32Array): void {
  if (ordinals.length > 0) {
    arena.int(ordinals.length);
    for (const o of ordinals) arena.copyOwn(ranges[o * 2] as number, ranges[o * 2 + 1] as number);
  }
  arena.int(0);
}

/** Index of `ordinal` in the batch's list, appended when new (spans of a batch mostly share the last one). */
function localIndex(ordinals: number[], ordinal: number): number {
  const n = ordinals.length;
  if (n > 0 && ordinals[n - 1] === ordinal) return n - 1;
  for (let i = n - 2; i >= 0; i--) if (ordinals[i] === ordinal) return i;
  ordinals.push(ordinal);
  return n;
}

function sameId(body: Buffer, a: number, b: number): boolean {
  for (let i = 0; i < 16; i++) if (body[a + i] !== body[b + i]) return false;
  return true;
}
