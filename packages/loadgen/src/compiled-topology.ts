import type { ResourceRecord, ScopeRecord } from '@tailstream/model';
import { encodeKeyValueList, type KeyValue } from '@tailstream/otlp';
import { LANGUAGE_PROFILES, type ScopeCategory } from './instrumentation';
import type { Random } from './random';
import {
  validateTopology,
  type OperationSpec,
  type ServiceKind,
  type ServiceLanguage,
  type ServiceSpec,
  type TopologySpec,
} from './topology';
import { intAttr, strAttr } from './values';

/** OTel semantic-conventions schema the generated telemetry claims to follow. */
export const SCHEMA_URL = 'https://opentelemetry.io/schemas/1.26.0';

const DEFAULT_PORTS: Record<ServiceKind, number> = { http: 8080, grpc: 50051, worker: 8080, database: 5432, cache: 6379, queue: 9092 };

/** One instance of a service: its resource (encoded once) and addresses. */
export interface ServiceInstance {
  resource: ResourceRecord;
  hostName: string;
  address: string;
}

/** A service ready for generation: specs resolved, resources and scopes built once. */
export interface CompiledService {
  name: string;
  kind: ServiceKind;
  language: ServiceLanguage;
  port: number;
  system: string;
  namespace: string;
  instances: ServiceInstance[];
  scopes: Record<ScopeCategory, ScopeRecord>;
  operations: Map<string, CompiledOperation>;
}

export interface CompiledOperation {
  service: CompiledService;
  name: string;
  medianMs: number;
  sigma: number;
  errorWeight: number;
  query: string;
  calls: CompiledCall[];
  consumers: CompiledOperation[];
}

export interface CompiledCall {
  target: CompiledOperation;
  /** Runs in the caller's service (INTERNAL span). */
  local: boolean;
  probability: number;
  min: number;
  max: number;
  parallel: boolean;
}

export interface Entrypoint {
  operation: CompiledOperation;
  weight: number;
}

export interface CompiledTopology {
  services: CompiledService[];
  entrypoints: Entrypoint[];
}

const EMPTY = Buffer.alloc(0);

/** Validates a topology and resolves it into linked structures, drawing instance identities from `rng`. */
export function compileTopology(spec: TopologySpec, rng: Random, environment: string): CompiledTopology {
  validateTopology(spec);
  const services = spec.services.map((s) => compileService(s, rng, environment));
  const byName = new Map(services.map((s) => [s.name, s]));
  const opOf = (service: string, operation: string): CompiledOperation => byName.get(service)!.operations.get(operation)!;
  for (const s of spec.services) {
    for (const op of s.operations) {
      const compiled = opOf(s.name, op.name);
      compiled.calls = (op.calls ?? []).map((c) => {
        const [min, max] = c.repeat === undefined ? [1, 1] : typeof c.repeat === 'number' ? [c.repeat, c.repeat] : c.repeat;
        const service = c.service ?? s.name;
        return {
          target: opOf(service, c.operation),
          local: service === s.name,
          probability: c.probability ?? 1,
          min,
          max,
          parallel: c.parallel ?? false,
        };
      });
      compiled.consumers = (op.consumers ?? []).map((c) => opOf(c.service, c.operation));
    }
  }
  const entrypoints = spec.entrypoints.map((e) => ({ operation: opOf(e.service, e.operation), weight: e.weight ?? 1 }));
  return { services, entrypoints };
}

function compileService(spec: ServiceSpec, rng: Random, environment: string): CompiledService {
  const language = spec.language ?? 'nodejs';
  const profile = LANGUAGE_PROFILES[language];
  const version = spec.version ?? '1.0.0';
  const instrumented = spec.kind === 'http' || spec.kind === 'grpc' || spec.kind === 'worker';
  const instances: ServiceInstance[] = [];
  for (let i = 0; i < (spec.instances ?? 2); i++) {
    const podSuffix = `${rng.uint32().toString(36).slice(0, 5).padEnd(5, 'x')}`;
    const hostName = instrumented
      ? `${spec.name}-${rng.uint32().toString(16).slice(0, 6).padEnd(6, '0')}-${podSuffix}`
      : `${spec.name}-${i}`;
    const address = `10.${(rng.uint32() & 0x0f) + 16}.${rng.uint32() & 0xff}.${(rng.uint32() % 250) + 2}`;
    const instanceId = uuidLike(rng);
    const attrs: KeyValue[] = [
      strAttr('service.name', spec.name),
      strAttr('service.namespace', 'shop'),
      strAttr('service.version', version),
      strAttr('service.instance.id', instanceId),
      strAttr('deployment.environment.name', environment),
      strAttr('deployment.environment', environment),
      strAttr('host.name', hostName),
      strAttr('host.arch', 'amd64'),
      strAttr('os.type', 'linux'),
      intAttr('process.pid', 1 + (rng.uint32() % 32000)),
      strAttr('process.runtime.name', profile.runtimeName),
      strAttr('process.runtime.version', profile.runtimeVersion),
      strAttr('telemetry.sdk.name', 'opentelemetry'),
      strAttr('telemetry.sdk.language', language === 'nodejs' ? 'nodejs' : language),
      strAttr('telemetry.sdk.version', profile.sdkVersion),
      strAttr('k8s.namespace.name', 'shop'),
      strAttr('k8s.pod.name', hostName),
      strAttr('cloud.region', 'eu-west-1'),
    ];
    instances.push({
      resource: { serviceName: spec.name, attributes: encodeKeyValueList(attrs), droppedAttributesCount: 0, schemaUrl: SCHEMA_URL },
      hostName,
      address,
    });
  }
  const scope = (name: string, scopeVersion: string): ScopeRecord => ({
    name,
    version: scopeVersion,
    attributes: EMPTY,
    droppedAttributesCount: 0,
    schemaUrl: '',
  });
  const scopes = {
    'http-server': scope(profile.scopes['http-server'], profile.scopeVersion),
    'http-client': scope(profile.scopes['http-client'], profile.scopeVersion),
    grpc: scope(profile.scopes.grpc, profile.scopeVersion),
    db: scope(profile.scopes.db, profile.scopeVersion),
    cache: scope(profile.scopes.cache, profile.scopeVersion),
    messaging: scope(profile.scopes.messaging, profile.scopeVersion),
    internal: scope(spec.name, version),
  };
  const service: CompiledService = {
    name: spec.name,
    kind: spec.kind,
    language,
    port: spec.port ?? DEFAULT_PORTS[spec.kind],
    system:
      spec.system ?? (spec.kind === 'database' ? 'postgresql' : spec.kind === 'cache' ? 'redis' : spec.kind === 'queue' ? 'kafka' : ''),
    namespace: spec.namespace ?? '',
    instances,
    scopes,
    operations: new Map(),
  };
  for (const op of spec.operations) service.operations.set(op.name, compileOperation(service, op));
  return service;
}

function compileOperation(service: CompiledService, op: OperationSpec): CompiledOperation {
  return {
    service,
    name: op.name,
    medianMs: op.latencyMs?.median ?? 2,
    sigma: op.latencyMs?.sigma ?? 0.5,
    errorWeight: op.errorWeight ?? 1,
    query: op.query ?? op.name,
    calls: [],
    consumers: [],
  };
}

function uuidLike(rng: Random): string {
  const hex = rng.idBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}
