/**
 * Node flags for a worker process; `tailstream up` and the benchmarks start workers with them,
 * and the README tells deployments to do the same.
 * - `--max-semi-space-size=32`: a larger young generation (V8's default semi-space is 16 MiB).
 *   The workers allocate many short-lived buffers and views per span batch; more of them die
 *   before a scavenge copies them.
 * - `--single-threaded-gc`: the collector works on the main thread only. V8's parallel and
 *   concurrent GC helpers cost more CPU in total than they save on the main thread when a
 *   worker gets about one core (sampler bench: 93k → 104k spans per CPU-second, mean of 4 runs).
 *   GC pauses get longer by a few milliseconds, which a streaming worker can afford. V8 accepts
 *   this flag only on the command line (not in NODE_OPTIONS, and not at run time).
 * - `--no-flush-bytecode`: V8 drops the bytecode of functions it has not seen run for a few
 *   full collections, which a worker collecting every second or two meets for functions that
 *   run only inlined into optimized callers or now and then; they are then compiled again.
 *   Keeping it costs a few MB of a long-running worker's heap (sampler bench, snappy: median of
 *   5 interleaved runs 157k → 178k spans per CPU-second; see docs/performance.md).
 */
export const WORKER_NODE_ARGS: readonly string[] = ['--max-semi-space-size=32', '--single-threaded-gc', '--no-flush-bytecode'];
