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
    const key = fingerprint(buf, start, end);
    const candidates = this.entries.get(key);
    if (candidates !== undefined) {
      for (let i = 0; i < candidates.length; i++) {
        const entry = candidates[i] as Entry<T>;
        if (sameBytes(entry.bytes, buf, start, end)) return entry.record;
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
    else if (list.length < MAX_CANDIDATES) list.push(entry);
    else return record;
    this.size++;
    return record;
  }
}

/** Records sharing one fingerprint that a cache keeps; more are decoded every time. */
const MAX_CANDIDATES = 8;
/** Records up to this length are fingerprinted whole and compared in JS (a native compare costs more to call). */
const SHORT_BYTES = 64;
/** Words a longer record's fingerprint samples between its first and last 32 bytes. */
const MIDDLE_WORDS = 8;

/**
 * 32-bit fingerprint of buf[start, end): FNV-1a style over 4-byte words of the whole range when
 * it is short; else of its length, first and last 32 bytes and MIDDLE_WORDS words spread between
 * them (a match is always confirmed by comparing every byte, see sameBytes).
 */
function fingerprint(buf: Buffer, start: number, end: number): number {
  const length = end - start;
  let h = 0x811c9dc5 ^ length;
  if (length <= SHORT_BYTES) return mixRange(h, buf, start, end);
  h = mixRange(h, buf, start, start + 32);
  h = mixRange(h, buf, end - 32, end);
  const stride = Math.floor((length - 64) / MIDDLE_WORDS);
  for (let i = 0, at = start + 32; i < MIDDLE_WORDS && at + 4 <= end - 32; i++, at += stride) h = mixWord(h, buf, at);
  return h;
}

function mixRange(h: number, buf: Buffer, start: number, end: number): number {
  let i = start;
  for (; i + 4 <= end; i += 4) h = mixWord(h, buf, i);
  for (; i < end; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return h;
}

function mixWord(h: number, buf: Buffer, at: number): number {
  const word = (buf[at] as number) | ((buf[at + 1] as number) << 8) | ((buf[at + 2] as number) << 16) | ((buf[at + 3] as number) << 24);
  return Math.imul(h ^ word, 0x01000193);
}

/** True when `bytes` equals buf[start, end). */
function sameBytes(bytes: Buffer, buf: Buffer, start: number, end: number): boolean {
  const length = end - start;
  if (bytes.length !== length) return false;
  if (length > SHORT_BYTES) return buf.compare(bytes, 0, length, start, end) === 0;
  for (let i = 0; i < length; i++) if (bytes[i] !== buf[start + i]) return false;
  return true;
}
