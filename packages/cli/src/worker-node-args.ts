/**
 * Node flags for a worker process. The workers allocate many short-lived buffers and views per
 * span batch: a larger young generation (V8's default semi-space is 16 MiB) lets most of them die
 * before a scavenge copies them. `tailstream up` and the benchmarks start workers with these;
 * the README tells deployments to pass them through NODE_OPTIONS.
 */
export const WORKER_NODE_ARGS: readonly string[] = ['--max-semi-space-size=32'];
