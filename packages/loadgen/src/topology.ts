/**
 * The service topology the generator walks: services, their operations, and the calls each
 * operation makes. A plain JSON/YAML-friendly shape (documented in docs/loadgen.md), checked by
 * `validateTopology` before use.
 */

/**
 * What a service is, which decides the spans its operations produce:
 * - `http`, `grpc`: instrumented servers. Called remotely → CLIENT span in the caller + SERVER span here.
 * - `worker`: instrumented background service; its operations run as CONSUMER spans when fed by a queue.
 * - `database`, `cache`: not instrumented (like a real PostgreSQL or Redis): a call is one CLIENT span
 *   in the caller, with `db.*` attributes.
 * - `queue`: a broker (Kafka-style): a call is a PRODUCER span in the caller, followed by one CONSUMER
 *   span per configured consumer.
 */
export type ServiceKind = 'http' | 'grpc' | 'worker' | 'database' | 'cache' | 'queue';

/** SDK language, used for `telemetry.sdk.language`, runtime attributes and scope names. */
export type ServiceLanguage = 'nodejs' | 'java' | 'go' | 'python' | 'dotnet';

export interface TopologySpec {
  /** Where traces start (the root span is a SERVER span of this operation), with relative weights. */
  entrypoints: EntrypointSpec[];
  services: ServiceSpec[];
}

export interface EntrypointSpec {
  service: string;
  operation: string;
  /** Relative frequency among entry points (default 1). */
  weight?: number;
}

export interface ServiceSpec {
  name: string;
  kind: ServiceKind;
  /** `service.version` (default `1.0.0`). */
  version?: string;
  /** SDK language of an instrumented service (default `nodejs`). */
  language?: ServiceLanguage;
  /** Number of instances (distinct `host.name` / `service.instance.id`), default 2. */
  instances?: number;
  /** `server.port` callers use (default by kind: 8080 http, 50051 grpc, 5432 database, 6379 cache, 9092 queue). */
  port?: number;
  /** database/cache/queue: `db.system` or `messaging.system`, e.g. `postgresql`, `redis`, `kafka`. */
  system?: string;
  /** database: `db.namespace` (the database name). */
  namespace?: string;
  operations: OperationSpec[];
}

/**
 * One operation. Its `name` has a meaning per service kind:
 * - http: `"<METHOD> <route>"`, e.g. `"GET /api/products/{id}"` (gives http.request.method and http.route);
 * - grpc: `"<package.Service>/<Method>"` (gives rpc.service and rpc.method);
 * - database/cache: `"<OPERATION> <collection>"`, e.g. `"SELECT products"` (db.operation.name, db.collection.name);
 * - queue: the destination (topic) name;
 * - worker, and any operation only called locally: free text (an INTERNAL or CONSUMER span name).
 */
export interface OperationSpec {
  name: string;
  /** Own (self) time: log-normal with this median (ms) and shape sigma (default 0.5). Default median 2 ms. */
  latencyMs?: { median: number; sigma?: number };
  /** Relative chance of being where an error starts, in a trace chosen to fail (default 1; 0 = never). */
  errorWeight?: number;
  /** database/cache: query text (`db.query.text` / `db.statement`); `?` placeholders are kept as is. */
  query?: string;
  /** queue: who processes each message (CONSUMER spans, children of the PRODUCER span). */
  consumers?: Array<{ service: string; operation: string }>;
  /** Calls made, in order, while this operation runs. */
  calls?: CallSpec[];
}

export interface CallSpec {
  /** Target service; omitted (or the caller itself) → a local operation, as an INTERNAL span. */
  service?: string;
  operation: string;
  /** Probability the call happens at all (default 1). */
  probability?: number;
  /** Times the call is repeated (a loop): a fixed count or an inclusive [min, max] range (default 1). */
  repeat?: number | [number, number];
  /** Repetitions run concurrently (and this call starts together with the previous parallel call). */
  parallel?: boolean;
}

const KINDS: readonly ServiceKind[] = ['http', 'grpc', 'worker', 'database', 'cache', 'queue'];
const LANGUAGES: readonly ServiceLanguage[] = ['nodejs', 'java', 'go', 'python', 'dotnet'];

/** A topology that does not make sense; `problems` lists every issue found, each naming where. */
export class TopologyError extends Error {
  readonly code = 'LOADGEN_TOPOLOGY_INVALID';
  readonly retryable = false;
  constructor(readonly problems: string[]) {
    super(`invalid topology:\n  - ${problems.join('\n  - ')}`);
    this.name = 'TopologyError';
  }
}

/** Checks references, kinds, names and numbers; throws a TopologyError listing all problems. */
export function validateTopology(topology: TopologySpec): void {
  const problems: string[] = [];
  const services = new Map<string, ServiceSpec>();
  if (!Array.isArray(topology?.services) || topology.services.length === 0) problems.push('services: at least one service is required');
  for (const [i, s] of (topology?.services ?? []).entries()) {
    const where = `services[${i}] (${s?.name ?? '?'})`;
    if (!s?.name) problems.push(`${where}: name is required`);
    else if (services.has(s.name)) problems.push(`${where}: duplicate service name`);
    else services.set(s.name, s);
    if (!KINDS.includes(s?.kind)) problems.push(`${where}: kind must be one of ${KINDS.join(', ')}`);
    if (s?.language !== undefined && !LANGUAGES.includes(s.language))
      problems.push(`${where}: language must be one of ${LANGUAGES.join(', ')}`);
    if (s?.instances !== undefined && !(Number.isInteger(s.instances) && s.instances >= 1))
      problems.push(`${where}: instances must be an integer ≥ 1`);
    const names = new Set<string>();
    for (const op of s?.operations ?? []) {
      if (!op?.name) problems.push(`${where}: an operation has no name`);
      else if (names.has(op.name)) problems.push(`${where}: duplicate operation "${op.name}"`);
      else names.add(op.name);
      if (op?.latencyMs && !(op.latencyMs.median > 0)) problems.push(`${where} "${op.name}": latencyMs.median must be > 0`);
      if (op?.latencyMs?.sigma !== undefined && !(op.latencyMs.sigma >= 0))
        problems.push(`${where} "${op.name}": latencyMs.sigma must be ≥ 0`);
      if (op?.errorWeight !== undefined && !(op.errorWeight >= 0)) problems.push(`${where} "${op.name}": errorWeight must be ≥ 0`);
    }
  }
  const opOf = (service: string, operation: string): OperationSpec | undefined =>
    services.get(service)?.operations.find((o) => o.name === operation);
  const checkTarget = (where: string, service: string, operation: string, as: 'remote' | 'local' | 'consumer'): void => {
    const target = services.get(service);
    if (!target) return void problems.push(`${where}: unknown service "${service}"`);
    if (!opOf(service, operation)) return void problems.push(`${where}: service "${service}" has no operation "${operation}"`);
    if (as === 'remote' && target.kind === 'http' && !/^[A-Z]+ \/\S*$/.test(operation))
      problems.push(`${where}: http operation "${operation}" must be named "<METHOD> <route>"`);
    if (as === 'remote' && target.kind === 'grpc' && !/^[\w.]+\/\w+$/.test(operation))
      problems.push(`${where}: grpc operation "${operation}" must be named "<Service>/<Method>"`);
    if (as === 'remote' && target.kind === 'worker') problems.push(`${where}: worker "${service}" can only be reached through a queue`);
    if (as === 'consumer' && target.kind !== 'worker' && target.kind !== 'http' && target.kind !== 'grpc')
      problems.push(`${where}: consumer "${service}" must be an instrumented service (worker, http or grpc)`);
    if (as === 'local' && !['http', 'grpc', 'worker'].includes(target.kind))
      problems.push(`${where}: only instrumented services run local operations`);
  };
  if (!Array.isArray(topology?.entrypoints) || topology.entrypoints.length === 0)
    problems.push('entrypoints: at least one entry point is required');
  for (const [i, e] of (topology?.entrypoints ?? []).entries()) {
    const where = `entrypoints[${i}]`;
    checkTarget(where, e.service, e.operation, 'remote');
    if (e.weight !== undefined && !(e.weight >= 0)) problems.push(`${where}: weight must be ≥ 0`);
    const kind = services.get(e.service)?.kind;
    if (kind && kind !== 'http' && kind !== 'grpc') problems.push(`${where}: entry points must be http or grpc services`);
  }
  for (const s of services.values()) {
    for (const op of s.operations ?? []) {
      const where = `${s.name} "${op.name}"`;
      if (op.consumers && s.kind !== 'queue') problems.push(`${where}: only queue operations have consumers`);
      for (const c of op.consumers ?? []) checkTarget(`${where} consumer`, c.service, c.operation, 'consumer');
      if (op.calls?.length && !['http', 'grpc', 'worker'].includes(s.kind)) problems.push(`${where}: ${s.kind} services make no calls`);
      for (const [j, call] of (op.calls ?? []).entries()) {
        const cw = `${where} calls[${j}]`;
        const local = call.service === undefined || call.service === s.name;
        checkTarget(cw, call.service ?? s.name, call.operation, local ? 'local' : 'remote');
        if (call.probability !== undefined && !(call.probability >= 0 && call.probability <= 1))
          problems.push(`${cw}: probability must be in [0, 1]`);
        const r = call.repeat;
        if (r !== undefined) {
          const [min, max] = typeof r === 'number' ? [r, r] : r;
          if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 0 && max >= min))
            problems.push(`${cw}: repeat must be n or [min, max] with 0 ≤ min ≤ max`);
        }
      }
    }
  }
  // A cycle would recurse forever; the span cap stops it, but it is almost surely a mistake.
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (service: string, operation: string, path: string[]): void => {
    const key = `${service}\u0000${operation}`;
    if (done.has(key)) return;
    if (visiting.has(key)) return void problems.push(`call cycle: ${[...path, `${service} "${operation}"`].join(' → ')}`);
    const op = opOf(service, operation);
    if (!op) return;
    visiting.add(key);
    const here = [...path, `${service} "${operation}"`];
    for (const call of op.calls ?? []) visit(call.service ?? service, call.operation, here);
    for (const c of op.consumers ?? []) visit(c.service, c.operation, here);
    visiting.delete(key);
    done.add(key);
  };
  for (const e of topology?.entrypoints ?? []) visit(e.service, e.operation, []);
  if (problems.length > 0) throw new TopologyError(problems);
}
