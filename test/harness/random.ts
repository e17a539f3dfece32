/**
 * mulberry32: a small seeded PRNG (floats in [0, 1)), so randomized tests build the same data on
 * every run and a failure reproduces. Imported as `@tailstream/test-harness/random`: this module
 * alone, without the harness's Kafka and ClickHouse code, so pure packages' unit tests can use it.
 * (bench/lib/random.js is the same generator for the JavaScript benches.)
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
