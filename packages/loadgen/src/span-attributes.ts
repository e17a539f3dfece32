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
const MOBILE_APPS = ['ShopApp/5.3.1 (iPhone; iOS 17.6; Scale/3.00)', 'ShopApp/5.3.0 (Android 14; Pixel 8)', 'ShopApp/5.2.7 (Android 13; SM-S911B)'];
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

/** `GET /products/{id}` → method, route, and a concrete path for this request. */
function httpParts(span: GenSpan, ctx: TraceContext, rng: Random): { method: string; route: string; path: string } {
  const space = span.operation.name.indexOf(' ');
  const method = span.operation.name.slice(0, space);
  const route = span.operation.name.slice(space + 1);
  const path = route.replace(/\{(\w+)\}/g, () =>
    route.startsWith('/carts') ? String(ctx.cartId) : route.includes('/orders') ? String(ctx.orderId) : String(rng.int(1, 60_000)),
  );
  return { method, route, path };
}

function httpStatus(span: GenSpan, method: string): number {
  if (span.failure?.httpStatus !== undefined) return span.failure.httpStatus;
  return method === 'POST' ? 201 : 200;
}

function httpServerAttributes(a: AttributeSink, span: GenSpan, ctx: TraceContext, rng: Random): void {
  const { method, route, path } = httpParts(span, ctx, rng);
  const edge = span.peer === undefined;
  const callerAddress = edge ? ctx.clientIp : span.peer!.instance.address;
  a.str('http.request.method', method);
  a.str('http.route', route);
  a.str('url.path', path);
  a.str('url.scheme', edge ? 'https' : 'http');
  a.int('http.response.status_code', httpStatus(span, method));
  a.str('server.address', edge ? 'shop.example.com' : span.service.name);
  a.int('server.port', edge ? 443 : span.service.port);
  a.str('client.address', callerAddress);
  a.str('network.peer.address', edge ? span.instance.address.replace(/\.\d+$/, '.1') : callerAddress);
  a.int('network.peer.port', rng.int(32768, 60999));
  a.str('network.protocol.version', edge ? '2' : '1.1');
  a.str('user_agent.original', edge ? ctx.userAgent : HTTP_CLIENT_AGENTS[span.peer!.service.language] ?? 'http-client');
  a.int('http.response.body.size', rng.int(120, 48_000));
  a.str('app.request.id', ctx.requestId);
  a.str('app.tenant.id', ctx.tenant);
  if (method !== 'GET') a.int('http.request.body.size', rng.int(40, 4000));
  if (edge) a.str('enduser.id', `user-${ctx.userId}`);
}

function httpClientAttributes(a: AttributeSink, span: GenSpan, ctx: TraceContext, rng: Random): void {
  const { method, route, path } = httpParts(span, ctx, rng);
  const target = span.operation.service;
  const server = span.peer;
  a.str('http.request.method', method);
  a.str('url.full', `http://${target.name}:${target.port}${path}`);
  a.str('url.template', route);
  a.str('server.address', target.name);
  a.int('server.port', target.port);
  a.str('network.peer.address', server ? server.instance.address : rng.pick(target.instances).address);
  a.int('network.peer.port', target.port);
  a.str('network.protocol.version', '1.1');
  a.int('http.response.status_code', server?.failure?.httpStatus ?? (method === 'POST' ? 201 : 200));
  a.str('user_agent.original', HTTP_CLIENT_AGENTS[span.service.language] ?? 'http-client');
  a.str('app.request.id', ctx.requestId);
  a.str('app.tenant.id', ctx.tenant);
  if (rng.chance(0.02)) a.int('http.request.resend_count', 1);
}

function grpcAttributes(a: AttributeSink, span: GenSpan, ctx: TraceContext, rng: Random, isServer: boolean): void {
  const slash = span.operation.name.lastIndexOf('/');
  const target = span.operation.service;
  const serverSpan = isServer ? span : span.peer;
  const code = serverSpan?.failure?.grpcStatus ?? 0;
  const peerAddress = isServer ? (span.peer?.instance.address ?? ctx.clientIp) : (serverSpan?.instance.address ?? rng.pick(target.instances).address);
  a.str('rpc.system', 'grpc');
  a.str('rpc.service', span.operation.name.slice(0, slash));
  a.str('rpc.method', span.operation.name.slice(slash + 1));
  a.int('rpc.grpc.status_code', code);
  a.str('server.address', target.name);
  a.int('server.port', target.port);
  a.str('network.peer.address', peerAddress);
  a.int('network.peer.port', isServer ? rng.int(32768, 60999) : target.port);
  a.str('network.transport', 'tcp');
  a.str('network.type', 'ipv4');
  a.str('network.protocol.name', 'http');
  a.str('network.protocol.version', '2');
  a.str('app.request.id', ctx.requestId);
  a.str('app.tenant.id', ctx.tenant);
  if (code !== 0) a.str('rpc.grpc.status_text', GRPC_CODE_NAMES[code] ?? String(code));
}

function databaseAttributes(a: AttributeSink, span: GenSpan, _ctx: TraceContext, rng: Random): void {
  const target = span.operation.service;
  const space = span.operation.name.indexOf(' ');
  const operation = space < 0 ? span.operation.name : span.operation.name.slice(0, space);
  const collection = space < 0 ? '' : span.operation.name.slice(space + 1);
  a.str('db.system', target.system);
  a.str('db.system.name', target.system);
  a.str('db.namespace', target.namespace);
  a.str('db.name', target.namespace);
  a.str('db.operation.name', operation);
  a.str('db.operation', operation);
  a.str('db.query.text', span.operation.query);
  a.str('db.statement', span.operation.query);
  a.str('db.user', 'app');
  a.str('server.address', target.name);
  a.int('server.port', target.port);
  a.str('network.peer.address', rng.pick(target.instances).address);
  a.int('network.peer.port', target.port);
  a.str('db.connection_string', `${target.system}://${target.name}:${target.port}/${target.namespace}`);
  if (collection !== '') {
    a.str('db.collection.name', collection);
    a.str('db.sql.table', collection);
  }
  if (operation === 'SELECT') a.int('db.response.returned_rows', rng.int(0, 50));
}

function cacheAttributes(a: AttributeSink, span: GenSpan, ctx: TraceContext, rng: Random): void {
  const target = span.operation.service;
  const statement = span.operation.query.replace('?', `${ctx.tenant}:${rng.int(1, 60_000)}`);
  a.str('db.system', target.system);
  a.str('db.system.name', target.system);
  a.str('db.operation.name', span.operation.name);
  a.str('db.operation', span.operation.name);
  a.str('db.query.text', statement);
  a.str('db.statement', statement);
  a.str('db.namespace', '0');
  a.int('db.redis.database_index', 0);
  a.str('server.address', target.name);
  a.int('server.port', target.port);
  a.str('network.peer.address', rng.pick(target.instances).address);
  a.int('network.peer.port', target.port);
  a.str('network.transport', 'tcp');
  if (span.operation.name.startsWith('GET') || span.operation.name.startsWith('HGET')) a.bool('app.cache.hit', rng.chance(0.85));
}

function messagingAttributes(a: AttributeSink, span: GenSpan, ctx: TraceContext, rng: Random, operation: 'publish' | 'process'): void {
  const topicOp = operation === 'publish' ? span.operation : span.parent!.operation;
  const broker = topicOp.service;
  const partition = rng.int(0, 11);
  a.str('messaging.system', broker.system);
  a.str('messaging.destination.name', topicOp.name);
  a.str('messaging.operation.type', operation);
  a.str('messaging.operation.name', operation === 'publish' ? 'send' : 'process');
  a.str('messaging.operation', operation);
  a.str('messaging.client.id', `${span.service.name}-${span.instance.hostName.slice(-5)}`);
  a.str('messaging.message.id', `${ctx.requestId}-${partition}`);
  a.str('messaging.kafka.message.key', String(ctx.orderId));
  a.int('messaging.message.body.size', rng.int(200, 6000));
  a.str('messaging.destination.partition.id', String(partition));
  a.str('server.address', broker.name);
  a.int('server.port', broker.port);
  a.str('network.peer.address', rng.pick(broker.instances).address);
  a.str('app.request.id', ctx.requestId);
  if (operation === 'process') {
    a.str('messaging.consumer.group.name', span.service.name);
    a.str('messaging.kafka.consumer.group', span.service.name);
    a.int('messaging.kafka.message.offset', rng.int(0, 90_000_000));
  }
}

function internalAttributes(a: AttributeSink, span: GenSpan, ctx: TraceContext, rng: Random): void {
  const fn = span.name.replace(/\W+(\w)/g, (_m, c: string) => c.toUpperCase());
  const file = `src/${span.service.name}/${fn}.${span.service.language === 'java' ? 'java' : span.service.language === 'go' ? 'go' : span.service.language === 'python' ? 'py' : 'ts'}`;
  const line = 20 + (span.name.length * 7) % 300;
  a.str('code.function.name', fn);
  a.str('code.function', fn);
  a.str('code.namespace', `${span.service.name}.handlers`);
  a.str('code.file.path', file);
  a.str('code.filepath', file);
  a.int('code.line.number', line);
  a.int('code.lineno', line);
  a.int('thread.id', rng.int(1, 64));
  a.str('thread.name', rng.pick(['main', 'worker-1', 'worker-2', 'pool-3-thread-1']));
  a.str('app.request.id', ctx.requestId);
  a.str('app.tenant.id', ctx.tenant);
  a.str('enduser.id', `user-${ctx.userId}`);
}
