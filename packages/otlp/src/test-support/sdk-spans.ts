import { SpanKind, SpanStatusCode, context, createTraceState, trace, type HrTime } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * Test fixtures made by the OpenTelemetry JS SDK itself: real spans (every attribute type the SDK
 * supports, events, links, status, kinds, trace state, dropped counts, two resources, three
 * scopes) serialized by @opentelemetry/otlp-transformer into OTLP protobuf and OTLP/JSON.
 */

/** Base time of every fixture span (2023-11-14T22:13:20Z). */
export const T0_SEC = 1_700_000_000;
/** A "now" one minute after the fixtures, to pass to decodeOtlpTraces. */
export const FIXTURE_NOW_NS = BigInt(T0_SEC + 60) * 1_000_000_000n;

export const at = (ms: number): HrTime => [T0_SEC + Math.floor(ms / 1000), (ms % 1000) * 1_000_000 + 123];

/** HrTime to ns as a bigint. */
export const hrToNs = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

export interface SdkFixture {
  spans: ReadableSpan[];
  protobuf: Buffer;
  json: Buffer;
}

/** Builds the fixture spans; deterministic except for the IDs the SDK draws. */
export function makeSdkFixture(): SdkFixture {
  const exporter = new InMemorySpanExporter();
  const checkout = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout',
      'host.name': 'node-1',
      'process.pid': 4242,
      'deployment.ratio': 0.5,
    }),
    spanLimits: { attributeCountLimit: 20, eventCountLimit: 5, linkCountLimit: 3 },
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const billing = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'billing', 'service.version': '2.0.1' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const http = checkout.getTracer('http-lib', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' });
  const db = checkout.getTracer('db-lib');
  const queue = billing.getTracer('queue-lib', '0.9.0');

  // Trace 1: a server span with every attribute type, a client child with an error and a link,
  // an internal child over the SDK limits (dropped attributes, events and links).
  const root = http.startSpan('GET /api/cart', {
    kind: SpanKind.SERVER,
    startTime: at(0),
    attributes: {
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'http.server.duration_ratio': 0.125,
      'http.large_int': 9007199254740991,
      'negative.int': -42,
      'cache.hit': true,
      'feature.flags': ['a', 'b', 'ü'],
      'retry.delays': [1, 2, 3],
      scores: [1.5, 2.25],
      bools: [true, false],
      'empty.string': '',
      'unicode.text': 'naïve ☃ 😀',
    },
  });
  root.addEvent('request.received', { 'net.bytes': 512, 'net.peer': '10.0.0.1' }, at(1));
  root.addEvent('no.attributes', at(2));
  root.setStatus({ code: SpanStatusCode.OK });
  const rootCtx = trace.setSpan(context.active(), root);

  // Trace 2 comes from a remote parent that carries a W3C trace state.
  const remoteParent = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: 1,
    isRemote: true,
    traceState: createTraceState('vendor=abc,other=1'),
  };
  const remoteCtx = trace.setSpanContext(context.active(), remoteParent);

  const client = db.startSpan(
    'SELECT cart',
    {
      kind: SpanKind.CLIENT,
      startTime: at(10),
      attributes: { 'db.system': 'postgresql', 'db.query.text': 'SELECT * FROM cart WHERE id = $1' },
      links: [
        { context: remoteParent, attributes: { 'link.reason': 'follows', 'link.weight': 3 } },
        { context: { ...remoteParent, spanId: '00f067aa0ba902b7', traceState: undefined } },
      ],
    },
    rootCtx,
  );
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset' });
  client.end(at(40));

  const internal = db.startSpan('compute totals', { kind: SpanKind.INTERNAL, startTime: at(41) }, rootCtx);
  for (let i = 0; i < 22; i++) internal.setAttribute(`attr.${String(i).padStart(2, '0')}`, i);
  for (let i = 0; i < 7; i++) internal.addEvent(`tick ${i}`, { i }, at(42 + i));
  for (let i = 0; i < 4; i++) internal.addLink({ context: { ...remoteParent, spanId: `00000000000000${i + 1}${i + 1}` } });
  internal.end(at(60));
  root.end(at(100));

  const producer = queue.startSpan('publish invoice', { kind: SpanKind.PRODUCER, startTime: at(200) }, remoteCtx);
  const consumer = queue.startSpan('process invoice', { kind: SpanKind.CONSUMER, startTime: at(250) }, trace.setSpan(remoteCtx, producer));
  consumer.end(at(300));
  producer.end(at(210));

  const spans = exporter.getFinishedSpans();
  return {
    spans,
    protobuf: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array),
    json: Buffer.from(JsonTraceSerializer.serializeRequest(spans) as Uint8Array),
  };
}
