import { SpanKind as SdkSpanKind, type Link as SdkLink, type AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { toHex, type SpanBatch, type SpanRecord } from '@tailstream/model';
import type { AnyValue, KeyValue } from './any-value';
import { decodeKeyValueList, flattenAttributes } from './attributes';
import { decodeOtlpTraces } from './decode';
import { decodeEvent, decodeLink } from './event-link';
import { FIXTURE_NOW_NS, hrToNs, makeSdkFixture } from './test-support/sdk-spans';

/**
 * Decodes OTLP produced by the OpenTelemetry JS SDK + @opentelemetry/otlp-transformer and compares
 * every field with the SDK's own span objects.
 */

const fixture = makeSdkFixture();

/** The OTLP typed value the SDK exporter produces for a JS attribute value. */
function sdkValue(v: AttributeValue | undefined): AnyValue {
  if (typeof v === 'string') return { string: v };
  if (typeof v === 'boolean') return { bool: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { int: BigInt(v) } : { double: v };
  if (Array.isArray(v)) return { array: (v as Array<AttributeValue>).map((x) => sdkValue(x)) };
  return { empty: true };
}

function sdkAttributes(attrs: Record<string, AttributeValue | undefined>): KeyValue[] {
  return Object.entries(attrs).map(([key, value]) => ({ key, value: sdkValue(value) }));
}

/** OTLP span flags as the exporter writes them: W3C flags + "has is-remote" + "is remote". */
function sdkFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return traceFlags | 0x100 | (isRemote ? 0x200 : 0);
}

function findSpan(batches: SpanBatch[], sdk: ReadableSpan): { batch: SpanBatch; span: SpanRecord } {
  for (const batch of batches) {
    for (const span of batch.spans) if (toHex(span.spanId) === sdk.spanContext().spanId) return { batch, span };
  }
  throw new Error(`span ${sdk.name} not decoded`);
}

function compareWithSdk(batches: SpanBatch[]): void {
  for (const sdk of fixture.spans) {
    const { batch, span } = findSpan(batches, sdk);
    const ctx = sdk.spanContext();
    expect(toHex(batch.traceId)).toBe(ctx.traceId);
    expect(toHex(span.spanId)).toBe(ctx.spanId);
    expect(toHex(span.parentSpanId)).toBe(sdk.parentSpanContext?.spanId ?? '');
    expect(span.traceState).toBe(ctx.traceState?.serialize() ?? '');
    expect(span.flags).toBe(sdkFlags(ctx.traceFlags, sdk.parentSpanContext?.isRemote));
    expect(span.name).toBe(sdk.name);
    expect(span.kind).toBe(sdk.kind + 1); // SDK enum starts at INTERNAL = 0
    expect(span.startTimeUnixNano).toBe(hrToNs(sdk.startTime));
    expect(span.endTimeUnixNano).toBe(hrToNs(sdk.endTime));
    expect(span.statusCode).toBe(sdk.status.code);
    expect(span.statusMessage).toBe(sdk.status.message ?? '');
    expect(decodeKeyValueList(span.attributes)).toEqual(sdkAttributes(sdk.attributes));
    expect(span.droppedAttributesCount).toBe(sdk.droppedAttributesCount);
    expect(span.droppedEventsCount).toBe(sdk.droppedEventsCount);
    expect(span.droppedLinksCount).toBe(sdk.droppedLinksCount);

    expect(span.events.map((e) => decodeEvent(e))).toEqual(
      sdk.events.map((e) => ({
        timeUnixNano: hrToNs(e.time),
        name: e.name,
        attributes: expect.any(Buffer),
        droppedAttributesCount: e.droppedAttributesCount ?? 0,
      })),
    );
    span.events.forEach((e, i) =>
      expect(decodeKeyValueList(decodeEvent(e).attributes)).toEqual(sdkAttributes(sdk.events[i]?.attributes ?? {})),
    );
    span.links.forEach((l, i) => {
      const sdkLink = sdk.links[i] as SdkLink;
      const link = decodeLink(l);
      expect(toHex(link.traceId)).toBe(sdkLink.context.traceId);
      expect(toHex(link.spanId)).toBe(sdkLink.context.spanId);
      expect(link.traceState).toBe(sdkLink.context.traceState?.serialize() ?? '');
      expect(link.flags).toBe(sdkFlags(sdkLink.context.traceFlags, sdkLink.context.isRemote));
      expect(decodeKeyValueList(link.attributes)).toEqual(sdkAttributes(sdkLink.attributes ?? {}));
      expect(link.droppedAttributesCount).toBe(sdkLink.droppedAttributesCount ?? 0);
    });
    expect(span.links).toHaveLength(sdk.links.length);

    const resource = batch.resources[span.resourceIndex];
    expect(resource?.serviceName).toBe(sdk.resource.attributes['service.name']);
    expect(decodeKeyValueList(resource?.attributes ?? Buffer.alloc(0))).toEqual(sdkAttributes(sdk.resource.attributes));
    const scope = batch.scopes[span.scopeIndex];
    expect(scope?.name).toBe(sdk.instrumentationScope.name);
    expect(scope?.version).toBe(sdk.instrumentationScope.version ?? '');
    expect(scope?.schemaUrl).toBe(sdk.instrumentationScope.schemaUrl ?? '');
  }
}

describe('decoding OTLP made by the OpenTelemetry JS SDK', () => {
  test('the fixture covers what it claims', () => {
    const kinds = new Set(fixture.spans.map((s) => s.kind));
    expect(kinds).toEqual(
      new Set([SdkSpanKind.SERVER, SdkSpanKind.CLIENT, SdkSpanKind.INTERNAL, SdkSpanKind.PRODUCER, SdkSpanKind.CONSUMER]),
    );
    expect(fixture.spans.some((s) => s.droppedAttributesCount > 0 && s.droppedEventsCount > 0 && s.droppedLinksCount > 0)).toBe(true);
    expect(fixture.spans.some((s) => s.spanContext().traceState !== undefined)).toBe(true);
  });

  test('protobuf: every span field by field equals the SDK span', () => {
    const result = decodeOtlpTraces(fixture.protobuf, 'protobuf', { nowNs: FIXTURE_NOW_NS });
    expect(result.accepted).toBe(fixture.spans.length);
    expect(result.rejectedCount).toBe(0);
    expect(result.rejected.size).toBe(0);
    expect(result.firstErrorMessage).toBeUndefined();
    compareWithSdk(result.batches);
  });

  test('OTLP/JSON: every span field by field equals the SDK span', () => {
    const result = decodeOtlpTraces(fixture.json, 'json', { nowNs: FIXTURE_NOW_NS });
    expect(result.accepted).toBe(fixture.spans.length);
    compareWithSdk(result.batches);
  });

  test('protobuf and JSON of the same spans decode to identical batches', () => {
    const fromProtobuf = decodeOtlpTraces(fixture.protobuf, 'protobuf', { nowNs: FIXTURE_NOW_NS });
    const fromJson = decodeOtlpTraces(fixture.json.toString('utf8'), 'json', { nowNs: FIXTURE_NOW_NS });
    expect(fromJson.batches).toEqual(fromProtobuf.batches);
  });

  test('one batch per trace, resources and scopes listed once per batch', () => {
    const { batches } = decodeOtlpTraces(fixture.protobuf, 'protobuf', { nowNs: FIXTURE_NOW_NS });
    const traceIds = new Set(fixture.spans.map((s) => s.spanContext().traceId));
    expect(batches.map((b) => toHex(b.traceId)).sort()).toEqual([...traceIds].sort());
    for (const batch of batches) {
      const expectedSpans = fixture.spans.filter((s) => s.spanContext().traceId === toHex(batch.traceId));
      expect(batch.spans).toHaveLength(expectedSpans.length);
      expect(batch.receivedAtUnixNano).toBe(FIXTURE_NOW_NS);
      // Deduplicated: each record appears once and every one is used.
      expect(new Set(batch.resources).size).toBe(batch.resources.length);
      expect(new Set(batch.scopes).size).toBe(batch.scopes.length);
      expect(new Set(batch.spans.map((s) => s.resourceIndex)).size).toBe(batch.resources.length);
      expect(new Set(batch.spans.map((s) => s.scopeIndex)).size).toBe(batch.scopes.length);
    }
    const checkoutTrace = batches.find((b) => b.spans.some((s) => s.name === 'GET /api/cart'));
    expect(checkoutTrace?.resources.map((r) => r.serviceName)).toEqual(['checkout']);
    expect(checkoutTrace?.scopes.map((s) => s.name).sort()).toEqual(['db-lib', 'http-lib']);
  });

  test('flattened attributes follow the AsString rule on SDK values', () => {
    const { batches } = decodeOtlpTraces(fixture.protobuf, 'protobuf', { nowNs: FIXTURE_NOW_NS });
    const root = batches.flatMap((b) => b.spans).find((s) => s.name === 'GET /api/cart');
    expect(root && flattenAttributes(root.attributes)).toEqual({
      'http.request.method': 'GET',
      'http.response.status_code': '200',
      'http.server.duration_ratio': '0.125',
      'http.large_int': '9007199254740991',
      'negative.int': '-42',
      'cache.hit': 'true',
      'feature.flags': '["a","b","ü"]',
      'retry.delays': '[1,2,3]',
      scores: '[1.5,2.25]',
      bools: '[true,false]',
      'empty.string': '',
      'unicode.text': 'naïve ☃ 😀',
    });
  });
});
