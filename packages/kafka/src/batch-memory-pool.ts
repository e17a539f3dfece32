/**
 * Reused memory for decompressed record batches.
 *
 * A consumer that keeps fetched bytes for seconds (the tail-sampler reads buffered spans in place)
 * would otherwise get a new ArrayBuffer for every decompressed batch, about a gigabyte per
 * million spans. V8 counts ArrayBuffers as external memory: it forces a young-generation
 * collection for each new one while young ArrayBuffers hold 32 MB or more, and starts a full
 * collection after each 64 MB of growth, so the garbage collector's work follows the bytes read.
 * Blocks taken from this pool are handed back once nothing reads them, and the next batch is
 * decompressed into one of them.
 *
 * Ownership is counted per block: `take()` hands out a block with no holders; each party that
 * reads it later (a batch handler while it runs, each trace reading spans in place) calls
 * `retain()` and, once done, `release()`. A block goes back to the free list when its last
 * holder releases it. A block nobody retains is never reused (it is collected as garbage when
 * unreferenced), so a reader that forgets `release()` costs reuse, never correctness; a release
 * while something still reads the block would hand out memory in use, so readers release only
 * when they are done.
 */
export class BatchMemoryPool {
  /** Free blocks by size class (class c holds blocks of c * CLASS_BYTES). */
  private readonly free: ArrayBuffer[][] = [];
  /** Holders of the blocks handed out, by block. */
  private readonly holders = new WeakMap<ArrayBufferLike, number>();
  private freeBytesNow = 0;
  /** Blocks handed out: newly allocated, and reused from the free list. */
  allocated = 0;
  reused = 0;

  constructor(private readonly options: BatchMemoryPoolOptions = {}) {}

  /** Bytes of the blocks in the free list. */
  get freeBytes(): number {
    return this.freeBytesNow;
  }

  /**
   * A Buffer of `length` bytes at the start of a block of its own (contents undefined), or
   * undefined when `length` is 0 or larger than the largest block (the caller keeps its own).
   */
  take(length: number): Buffer | undefined {
    if (length <= 0 || length > MAX_BLOCK_BYTES) return undefined;
    const wanted = Math.ceil(length / CLASS_BYTES);
    let block: ArrayBuffer | undefined;
    // A larger free block serves too, within a quarter of the size wanted.
    for (let c = wanted, last = Math.min(MAX_CLASS, wanted + (wanted >> 2)); c <= last && block === undefined; c++) {
      block = this.free[c]?.pop();
    }
    if (block === undefined) {
      // not zeroed: every batch copied in is written over the whole range handed out
      block = Buffer.allocUnsafeSlow(wanted * CLASS_BYTES).buffer;
      this.allocated++;
    } else {
      this.freeBytesNow -= block.byteLength;
      this.reused++;
    }
    this.holders.set(block, 0);
    return Buffer.from(block, 0, length);
  }

  /** True for a block handed out by take() and not returned since. */
  owns(block: ArrayBufferLike): boolean {
    return this.holders.has(block);
  }

  /** Adds a holder of `block` (no-op for memory that is not a block handed out by this pool). */
  retain(block: ArrayBufferLike): void {
    const n = this.holders.get(block);
    if (n !== undefined) this.holders.set(block, n + 1);
  }

  /** Removes a holder of `block`; the last one returns it to the free list. */
  release(block: ArrayBufferLike): void {
    const n = this.holders.get(block);
    if (n === undefined || n === 0) return;
    if (n > 1) {
      this.holders.set(block, n - 1);
      return;
    }
    this.holders.delete(block);
    if (this.freeBytesNow + block.byteLength > (this.options.maxFreeBytes ?? DEFAULT_MAX_FREE_BYTES)) return;
    if (this.options.poisonReleased) new Uint8Array(block).fill(POISON_BYTE);
    const c = block.byteLength / CLASS_BYTES;
    (this.free[c] ??= []).push(block as ArrayBuffer);
    this.freeBytesNow += block.byteLength;
  }

  /** Retains every distinct pooled block that the values of `messages` lie in; returns them for releaseAll(). */
  retainMessages(messages: readonly { value: Buffer | null }[]): ArrayBufferLike[] {
    const held: ArrayBufferLike[] = [];
    let last: ArrayBufferLike | undefined;
    for (const message of messages) {
      const block = message.value?.buffer;
      if (block === undefined || block === last) continue;
      last = block;
      if (!this.holders.has(block) || held.includes(block)) continue;
      this.retain(block);
      held.push(block);
    }
    return held;
  }

  releaseAll(blocks: readonly ArrayBufferLike[]): void {
    for (const block of blocks) this.release(block);
  }
}

export interface BatchMemoryPoolOptions {
  /** Free blocks kept for reuse, in bytes; blocks released beyond it are left to the garbage collector. Default 64 MiB. */
  maxFreeBytes?: number;
  /** Fills every block returned to the free list with 0xEE (tests: a premature release then shows as corrupt data). */
  poisonReleased?: boolean;
}

/** Block sizes are multiples of this. */
const CLASS_BYTES = 16 * 1024;
/** Larger batches get memory of their own. */
const MAX_BLOCK_BYTES = 4 * 1024 * 1024;
const MAX_CLASS = MAX_BLOCK_BYTES / CLASS_BYTES;
const DEFAULT_MAX_FREE_BYTES = 64 * 1024 * 1024;
const POISON_BYTE = 0xee;
