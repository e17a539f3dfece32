import { StatusCode } from '@tailstream/model';
import type { AttributeSink } from './attribute-writer';
import type { ScopeCategory } from './instrumentation';
import type { Random } from './random';
import type { GenSpan } from './trace-builder';
import { GRPC_CODE_NAMES } from './trace-builder';

/**
 * Span attributes in the style of real OpenTelemetry instrumentation (semantic conventions 1.26,
 * plus the older names many instrumentations still emit next to the new ones, e.g. `db.statement`
 * beside `db.query.text`): 10–20 attributes per span.
 */

/** Values shared by every span of one trace (one user request). */
export interface TraceContext {
  requestId: string;
  userId: number;
  tenant: string;
  clientIp: string;
  userAgent: string;
  cartId: number;
  orderId: number;
}

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
];
const MOBILE_APPS = [
  'ShopApp/5.3.1 (iPhone; iOS 17.6; Scale/3.00)',
  'ShopApp/5.3.0 (Android 14; Pixel 8)',
  'ShopApp/5.2.7 (Android 13; SM-S911B)',
];
const HTTP_CLIENT_AGENTS: Record<string, string> = {
  nodejs: 'node',
  java: 'Java-http-client/21.0.5',
  go: 'Go-http-client/1.1',
  python: 'python-requests/2.32.3',
  dotnet: 'dotnet-http-client/8.0',
};
const TENANTS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark'];

/** Draws the per-trace values (user, tenant, client) for a trace entering at `entryName`. */
export function makeTraceContext(rng: Random, entryName: string): TraceContext {
  const mobile = entryName.includes(' /m/');
  return {
    requestId: rng.idBytes(8).toString('hex'),
    userId: rng.int(1, 250_000),
    tenant: rng.pick(TENANTS),
    clientIp: `${rng.int(1, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    userAgent: mobile ? rng.pick(MOBILE_APPS) : rng.pick(BROWSERS),
    cartId: rng.int(1, 5_000_000),
    orderId: rng.int(1, 90_000_000),
  };
}

/** Instrumentation scope category of a span. */
export function scopeCategory(span: GenSpan): ScopeCategory {
  switch (span.role) {
    case 'server':
      return span.service.kind === 'grpc' ? 'grpc' : 'http-server';
    case 'client':
      return span.operation.service.kind === 'grpc' ? 'grpc' : 'http-client';
    case 'db-client':
      return span.operation.service.kind === 'cache' ? 'cache' : 'db';
    case 'producer':
    case 'consumer':
      return 'messaging';
    default:
      return 'internal';
  }
}

/** Writes the attributes of one span. Consumes `rng` in a fixed order, so output is deterministic. */
export function writeSpanAttributes(a: AttributeSink, span: GenSpan, ctx: TraceContext, rng: Random): void {
  switch (span.role) {
    case 'server':
      if (span.service.kind === 'grpc') grpcAttributes(a, span, ctx, rng, true);
      else httpServerAttributes(a, span, ctx, rng);
      break;
    case 'client':
      if (span.operation.service.kind === 'grpc') grpcAttributes(a, span, ctx, rng, false);
      else httpClientAttributes(a, span, ctx, rng);
      break;
    case 'db-client':
      if (span.operation.service.kind === 'cache') cacheAttributes(a, span, ctx, rng);
      else databaseAttributes(a, span, ctx, rng);
      break;
    case 'producer':
      messagingAttributes(a, span, ctx, rng, 'publish');
      break;
    case 'consumer':
      messagingAttributes(a, span, ctx, rng, 'process');
      break;
    default:
      internalAttributes(a, span, ctx, rng);
  }
  if (span.failure && span.statusCode === StatusCode.Error) a.str('error.type', span.failure.errorType);
}

/** `GET /products/{id}` → method and route. */
function httpMethodRoute(name: string): [string, string] {
  const space = name.indexOf(' ');
  return [name.slice(0, space), name.slice(space + 1)];
}

/** A concrete path for this request, e.g. `/products/8213`. */
function httpPath(route: string, ctx: TraceContext, rng: Random): string {
  if (!route.includes('{')) return route;
  return route.replace(/\{(\w+)\}/g, () =>
    route.startsWith('/carts') ? String(ctx.cartId) : route.includes('/orders') ? String(ctx.orderId) : String(rng.int(1, 60_000)),
  );
}

function successStatus(method: string): number {
  return method === 'POST' ? 201 : 200;
}

// Each function below writes first the attributes fixed for the operation (cached as bytes by the
// writer), then the ones that vary per span.

function httpServerAttributes(a: AttributeSink, span: GenSpan, ctx: TraceContext, rng: Random): void {
  const [method, route] = httpMethodRoute(span.operation.name);
  const edge = span.peer === undefined;
  a.fixed(span.operation, edge ? 'http-server-edge' : 'http-server', (f) => {
    f.str('http.request.method', method);
    f.str('http.route', route);
    f.str('url.scheme', edge ? 'https' : 'http');
    f.str('server.address', edge ? 'shop.example.com' : span.service.name);
    f.int('server.port', edge ? 443 : span.service.port);
    f.str('network.protocol.version', edge ? '2' : '1.1');
  });
  const callerAddress = edge ? ctx.clientIp : span.peer!.instance.address;
  a.str('url.path', httpPath(route, ctx, rng));
  a.int('http.response.status_code', span.failure?.httpStatus ?? successStatus(method));
  a.str('client.address', callerAddress);
  a.str('network.peer.address', edge ? span.instance.address.replace(/\.\d+$/, '.1') : callerAddress);
  a.int('network.peer.port', rng.int(32768, 60999));
  a.str('user_agent.original', edge ? ctx.userAgent : (HTTP_CLIENT_AGENTS[span.peer!.service.language] ?? 'http-client'));
  a.int('http.response.body.size', rng.int(120, 48_000));
  a.str('app.request.id', ctx.requestId);
  a.str('app.tenant.id', ctx.tenant);
  if (method !== 'GET') a.int('http.request.body.size', rng.int(40, 4000));
  if (edge) a.str('enduser.id', `user-${ctx.userId}`);
}

function httpClientAttributes(a: AttributeSink, span: GenSpan, ctx: TraceContext, rng: Random): void {
  const [method, route] = httpMethodRoute(span.operation.name);
  const target = span.operation.service;
  const server = span.peer;
  a.fixed(span.operation, `http-client ${span.service.language}`, (f) => {
    f.str('http.request.method', method);
    f.str('url.template', route);
    f.str('server.address', target.name);
    f.int('server.port', target.port);
    f.int('network.peer.port', target.port);
    f.str('network.protocol.version', '1.1');
    f.str('user_agent.original', HTTP_CLIENT_AGENTS[span.service.language] ?? 'http-client');
  });
  a.str('url.full', `http://${target.name}:${target.port}${httpPath(route, ctx, rng)}`);
  a.str('network.peer.address', server ? server.instance.address : rng.pick(target.instances).address);
  a.int('http.response.status_code', server?.failure?.httpStatus ?? successStatus(method));
  a.str('app.request.id', ctx.requestId);
  a.str('app.tenant.id', ctx.tenant);
  if (rng.chance(0.02)) a.int('http.request.resend_count', 1);
}

function grpcAttributes(a: AttributeSink, span: GenSpan, ctx: TraceContext, rng: Random, isServer: boolean): void {
  const target = span.operation.service;
  a.fixed(span.operation, isServer ? 'grpc-server' : 'grpc-client', (f) => {
    const slash = span.operation.name.lastIndexOf('/');
    f.str('rpc.system', 'grpc');
    f.str('rpc.service', span.operation.name.slice(0, slash));
    f.str('rpc.method', span.operation.name.slice(slash + 1));
    f.str('server.address', target.name);
    f.int('server.port', target.port);
    f.str('network.transport', 'tcp');
    f.str('network.type', 'ipv4');
    f.str('network.protocol.name', 'http');
    f.str('network.protocol.version', '2');
  });
  const serverSpan = isServer ? span : span.peer;
  const code = serverSpan?.failure?.grpcStatus ?? 0;
  const peerAddress = isServer
    ? (span.peer?.instance.address ?? ctx.clientIp)
    : (serverSpan?.instance.address ?? rng.pick(target.instances).address);
  a.int('rpc.grpc.status_code', code);
  a.str('network.peer.address', peerAddress);
  a.int('network.peer.port', isServer ? rng.int(32768, 60999) : target.port);
  a.str('app.request.id', ctx.requestId);
  a.str('app.tenant.id', ctx.tenant);
  if (code !== 0) a.str('rpc.grpc.status_text', GRPC_CODE_NAMES[code] ?? String(code));
}

function databaseAttributes(a: AttributeSink, span: GenSpan, _ctx: TraceContext, rng: Random): void {
  const target = span.operation.service;
  const space = span.operation.name.indexOf(' ');
  const operation = space < 0 ? span.operation.name : span.operation.name.slice(0, space);
  a.fixed(span.operation, 'db', (f) => {
    const collection = space < 0 ? '' : span.operation.name.slice(space + 1);
    f.str('db.system', target.system);
    f.str('db.system.name', target.system);
    f.str('db.namespace', target.namespace);
    f.str('db.name', target.namespace);
    f.str('db.operation.name', operation);
    f.str('db.operation', operation);
    f.str('db.query.text', span.operation.query);
    f.str('db.statement', span.operation.query);
    f.str('db.user', 'app');
    f.str('server.address', target.name);
    f.int('server.port', target.port);
    f.int('network.peer.port', target.port);
    f.str('db.connection_string', `${target.system}://${target.name}:${target.port}/${target.namespace}`);
    if (collection !== '') {
      f.str('db.collection.name', collection);
      f.str('db.sql.table', collection);
    }
  });
  a.str('network.peer.address', rng.pick(target.instances).address);
  if (operation === 'SELECT') a.int('db.response.returned_rows', rng.int(0, 50));
}

function cacheAttributes(a: AttributeSink, span: GenSpan, ctx: TraceContext, rng: Random): void {
  const target = span.operation.service;
  a.fixed(span.operation, 'cache', (f) => {
    f.str('db.system', target.system);
    f.str('db.system.name', target.system);
    f.str('db.operation.name', span.operation.name);
    f.str('db.operation', span.operation.name);
    f.str('db.namespace', '0');
    f.int('db.redis.database_index', 0);
    f.str('server.address', target.name);
    f.int('server.port', target.port);
    f.int('network.peer.port', target.port);
    f.str('network.transport', 'tcp');
  });
  const statement = span.operation.query.replace('?', `${ctx.tenant}:${rng.int(1, 60_000)}`);
  a.str('db.query.text', statement);
  a.str('db.statement', statement);
  a.str('network.peer.address', rng.pick(target.instances).address);
  if (span.operation.name.startsWith('GET') || span.operation.name.startsWith('HGET')) a.bool('app.cache.hit', rng.chance(0.85));
}

function messagingAttributes(a: AttributeSink, span: GenSpan, ctx: TraceContext, rng: Random, operation: 'publish' | 'process'): void {
  const topicOp = operation === 'publish' ? span.operation : span.parent!.operation;
  const broker = topicOp.service;
  a.fixed(span.operation, operation, (f) => {
    f.str('messaging.system', broker.system);
    f.str('messaging.destination.name', topicOp.name);
    f.str('messaging.operation.type', operation);
    f.str('messaging.operation.name', operation === 'publish' ? 'send' : 'process');
    f.str('messaging.operation', operation);
    f.str('server.address', broker.name);
    f.int('server.port', broker.port);
    if (operation === 'process') {
      f.str('messaging.consumer.group.name', span.service.name);
      f.str('messaging.kafka.consumer.group', span.service.name);
    }
  });
  const partition = rng.int(0, 11);
  a.str('messaging.client.id', `${span.service.name}-${span.instance.hostName.slice(-5)}`);
  a.str('messaging.message.id', `${ctx.requestId}-${partition}`);
  a.str('messaging.kafka.message.key', String(ctx.orderId));
  a.int('messaging.message.body.size', rng.int(200, 6000));
  a.str('messaging.destination.partition.id', String(partition));
  a.str('network.peer.address', rng.pick(broker.instances).address);
  a.str('app.request.id', ctx.requestId);
  if (operation === 'process') a.int('messaging.kafka.message.offset', rng.int(0, 90_000_000));
}

function internalAttributes(a: AttributeSink, span: GenSpan, ctx: TraceContext, rng: Random): void {
  a.fixed(span.operation, 'internal', (f) => {
    const fn = span.name.replace(/\W+(\w)/g, (_m, c: string) => c.toUpperCase());
    const ext = { java: 'java', go: 'go', python: 'py', nodejs: 'ts', dotnet: 'cs' }[span.service.language];
    const file = `src/${span.service.name}/${fn}.${ext}`;
    const line = 20 + ((span.name.length * 7) % 300);
    f.str('code.function.name', fn);
    f.str('code.function', fn);
    f.str('code.namespace', `${span.service.name}.handlers`);
    f.str('code.file.path', file);
    f.str('code.filepath', file);
    f.int('code.line.number', line);
    f.int('code.lineno', line);
  });
  a.int('thread.id', rng.int(1, 64));
  a.str('thread.name', rng.pick(THREAD_NAMES));
  a.str('app.request.id', ctx.requestId);
  a.str('app.tenant.id', ctx.tenant);
  a.str('enduser.id', `user-${ctx.userId}`);
}

const THREAD_NAMES = ['main', 'worker-1', 'worker-2', 'pool-3-thread-1'];
