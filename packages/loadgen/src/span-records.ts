import type { ResourceRecord, ScopeRecord, SpanRecord } from '@tailstream/model';
import { LANGUAGE_PROFILES } from './instrumentation';
import { encodeSpanEvent, encodeSpanLink } from './otlp-messages';
import type { Random } from './random';
import type { KeyValueListWriter } from './attribute-writer';
import { makeTraceContext, scopeCategory, writeSpanAttributes } from './span-attributes';
import type { BuiltTrace, GenSpan } from './trace-builder';
import { strAttr } from './values';

/** A finished span with the resource and scope it belongs to (indices are set when batching). */
export interface EmittedSpan {
  record: SpanRecord;
  resource: ResourceRecord;
  scope: ScopeRecord;
}

const EMPTY = Buffer.alloc(0);
const SAMPLED = 1;

/** Offset in ms from the trace start → absolute ns. Monotone, so nesting survives the rounding. */
function at(startNs: bigint, ms: number): bigint {
  return startNs + BigInt(Math.round(ms * 1e6));
}

/** Turns a built trace into span records starting at `startNs`, with attributes, events and links encoded. */
export function toEmittedSpans(trace: BuiltTrace, startNs: bigint, rng: Random, writer: KeyValueListWriter): EmittedSpan[] {
  const ctx = makeTraceContext(rng, trace.entry.name);
  const out: EmittedSpan[] = [];
  for (const span of trace.spans) {
    const start = at(startNs, span.startMs);
    const end = at(startNs, span.endMs);
    const events: Buffer[] = [];
    if (span.failure?.exception) events.push(exceptionEvent(span, start, end, rng));
    writeSpanAttributes(writer, span, ctx, rng);
    const attributes = writer.finish();
    const links = span.links.map((l) => encodeSpanLink(l.traceId, l.spanId, [strAttr('messaging.link.kind', 'batch')], SAMPLED));
    out.push({
      record: {
        spanId: span.spanId,
        parentSpanId: span.parent ? span.parent.spanId : EMPTY,
        traceState: '',
        flags: SAMPLED,
        name: span.name,
        kind: span.kind,
        startTimeUnixNano: start,
        endTimeUnixNano: end,
        statusCode: span.statusCode,
        statusMessage: span.statusMessage,
        resourceIndex: 0,
        scopeIndex: 0,
        attributes,
        droppedAttributesCount: 0,
        events,
        droppedEventsCount: 0,
        links,
        droppedLinksCount: 0,
      },
      resource: span.instance.resource,
      scope: span.service.scopes[scopeCategory(span)],
    });
  }
  return out;
}

function exceptionEvent(span: GenSpan, startNs: bigint, endNs: bigint, rng: Random): Buffer {
  const profile = LANGUAGE_PROFILES[span.service.language];
  const type = span.failure!.errorType;
  const fn = span.operation.name.replace(/[^A-Za-z]+(\w)?/g, (_m, c?: string) => (c ?? '').toUpperCase()) || 'handle';
  const frames = [profile.frame(span.service.name, fn, rng.int(20, 400)), profile.frame(span.service.name, 'dispatch', rng.int(20, 400))];
  const message = span.statusMessage || type;
  const stack = `${type}: ${message}\n${frames.join('\n')}`;
  const early = endNs - BigInt(rng.int(1_000, 50_000));
  const time = early > startNs ? early : startNs;
  return encodeSpanEvent(time, 'exception', [
    strAttr('exception.type', type),
    strAttr('exception.message', message),
    strAttr('exception.stacktrace', stack),
  ]);
}
