import { AvroReader } from './binary';

/** Distinct records a cache holds at most; when full, it starts over. */
const MAX_ENTRIES = 1024;

interface Entry<T> {
  /** A private copy of the record's encoding. */
  bytes: Buffer;
  record: T;
}

/**
 * Decoded records by their Avro encoding, for the resources and scopes that every span batch
 * carries a copy of while a stream holds a few hundred distinct ones. A record whose bytes were
 * seen before is not decoded again (no strings, no views), and equal records of different
 * batches come back as one object, so merging them (trace assembly) is an identity check.
 * Entries decode from a private copy of their bytes: a cached record never keeps a message
 * buffer alive. Bounded by MAX_ENTRIES.
 */
export class DecodedRecordCache<T> {
  private readonly entries = new Map<number, Entry<T>[]>();
  private size = 0;

  /**
   * @param skip advances a reader over one record
   * @param decode reads one record from a reader
   */
  constructor(
    private readonly skip: (r: AvroReader) => void,
    private readonly decode: (r: AvroReader) => T,
  ) {}

  /** Reads the record at the reader's position (advancing past it), from the cache when seen before. */
  read(r: AvroReader): T {
    const buf = r.buf;
    const start = r.pos;
    this.skip(r);
    const end = r.pos;
    const key = hashBytes(buf, start, end);
    const candidates = this.entries.get(key);
    if (candidates !== undefined) {
      for (let i = 0; i < candidates.length; i++) {
        const entry = candidates[i] as Entry<T>;
        if (entry.bytes.length === end - start && buf.compare(entry.bytes, 0, entry.bytes.length, start, end) === 0) return entry.record;
      }
    }
    const bytes = Buffer.from(buf.subarray(start, end));
    const record = this.decode(new AvroReader(bytes));
    if (this.size >= MAX_ENTRIES) {
      this.entries.clear();
      this.size = 0;
    }
    const entry = { bytes, record };
    const list = this.entries.get(key);
    if (list === undefined) this.entries.set(key, [entry]);
    else list.push(entry);
    this.size++;
    return record;
  }
}

/** FNV-1a style 32-bit hash of buf[start, end), four bytes per step. */
function hashBytes(buf: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5 ^ (end - start);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const word = (buf[i] as number) | ((buf[i + 1] as number) << 8) | ((buf[i + 2] as number) << 16) | ((buf[i + 3] as number) << 24);
    h = Math.imul(h ^ word, 0x01000193);
  }
  for (; i < end; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return h;
}
