import { BatchMemoryPool } from './batch-memory-pool';

const KIB = 1024;

describe('BatchMemoryPool', () => {
  it('hands out the start of a block of its own, sized in 16 KiB steps', () => {
    const pool = new BatchMemoryPool();
    const out = pool.take(27)!;
    expect(out.length).toBe(27);
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(16 * KIB);
    expect(pool.take(16 * KIB + 1)!.buffer.byteLength).toBe(32 * KIB);
    expect(pool.owns(out.buffer)).toBe(true);
    expect(pool.allocated).toBe(2);
  });

  it('has no block for nothing, or for more than 4 MiB', () => {
    const pool = new BatchMemoryPool();
    expect(pool.take(0)).toBeUndefined();
    expect(pool.take(4 * KIB * KIB + 1)).toBeUndefined();
    expect(pool.take(4 * KIB * KIB)?.length).toBe(4 * KIB * KIB);
    expect(pool.allocated).toBe(1);
  });

  it('reuses a block only after its last holder released it', () => {
    const pool = new BatchMemoryPool();
    const first = pool.take(20 * KIB)!;
    const block = first.buffer;
    pool.retain(block); // a batch handler
    pool.retain(block); // a trace reading it in place
    pool.release(block);
    expect(pool.take(20 * KIB)!.buffer).not.toBe(block);
    pool.release(block);
    expect(pool.owns(block)).toBe(false);
    expect(pool.freeBytes).toBe(32 * KIB);
    const again = pool.take(30 * KIB)!;
    expect(again.buffer).toBe(block);
    expect(again.length).toBe(30 * KIB);
    expect(pool.reused).toBe(1);
    expect(pool.freeBytes).toBe(0);
  });

  it('never reuses a block nobody retained, and ignores releases of memory it did not hand out', () => {
    const pool = new BatchMemoryPool();
    const block = pool.take(1000)!.buffer;
    pool.release(block);
    expect(pool.owns(block)).toBe(true);
    const foreign = new ArrayBuffer(16 * KIB);
    pool.retain(foreign);
    pool.release(foreign);
    expect(pool.freeBytes).toBe(0);
    expect(pool.take(1000)!.buffer).not.toBe(block);
  });

  it('serves a request from a free block up to a quarter larger, not from a larger one', () => {
    const pool = new BatchMemoryPool();
    const big = pool.take(160 * KIB)!.buffer; // 10 classes
    pool.retain(big);
    pool.release(big);
    expect(pool.take(112 * KIB)!.buffer).not.toBe(big); // wants 7: up to 8 classes
    expect(pool.take(128 * KIB + 1)!.buffer).toBe(big); // wants 9: up to 11
  });

  it('keeps at most maxFreeBytes of free blocks', () => {
    const pool = new BatchMemoryPool({ maxFreeBytes: 48 * KIB });
    const blocks = [1, 2, 3].map(() => pool.take(16 * KIB)!.buffer);
    for (const b of blocks) pool.retain(b);
    for (const b of blocks) pool.release(b);
    expect(pool.freeBytes).toBe(48 * KIB);
    const more = pool.take(16 * KIB)!.buffer;
    pool.retain(more);
    pool.release(more);
    expect(pool.freeBytes).toBe(48 * KIB);
  });

  it('poisons released blocks when asked, so a read after release shows', () => {
    const pool = new BatchMemoryPool({ poisonReleased: true });
    const out = pool.take(5)!;
    out.write('spans');
    pool.retain(out.buffer);
    pool.release(out.buffer);
    expect([...out]).toEqual([0xee, 0xee, 0xee, 0xee, 0xee]);
  });

  it('retains each distinct pooled block of a batch once, and releaseAll hands them back', () => {
    const pool = new BatchMemoryPool();
    const a = pool.take(40 * KIB)!;
    const b = pool.take(40 * KIB)!;
    const other = Buffer.from('not pooled');
    const messages = [{ value: a.subarray(0, 10) }, { value: a.subarray(10, 20) }, { value: null }, { value: other }, { value: b.subarray(5, 9) }, { value: a.subarray(30, 40) }];
    const held = pool.retainMessages(messages);
    expect(held).toEqual([a.buffer, b.buffer]);
    pool.retain(a.buffer); // a trace still reads a
    pool.releaseAll(held);
    expect(pool.owns(a.buffer)).toBe(true);
    expect(pool.owns(b.buffer)).toBe(false);
    expect(pool.freeBytes).toBe(48 * KIB);
  });
});
