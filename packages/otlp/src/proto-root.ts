import * as path from 'path';
import { protobuf } from './protobuf';

/**
 * The official OTLP trace definitions (the .proto files under packages/otlp/proto, a faithful
 * subset of opentelemetry-proto: see proto/README.md), loaded once with protobufjs reflection.
 * Used where speed does not matter (OTLP/JSON conversion, tests); the hot protobuf path reads the
 * wire directly with field numbers that wire.test.ts checks against this root.
 */

/** Directory holding the .proto files (the same relative place from src/ and dist/). */
export const PROTO_DIR = path.join(__dirname, '..', 'proto');

/** Entry file: imports trace, resource and common. */
export const TRACE_SERVICE_PROTO = 'opentelemetry/proto/collector/trace/v1/trace_service.proto';

let root: protobuf.Root | undefined;

/** The resolved protobufjs Root with every OTLP trace message (field names in lowerCamelCase). */
export function otlpRoot(): protobuf.Root {
  if (root === undefined) {
    const loaded = new protobuf.Root();
    loaded.resolvePath = (_origin: string, target: string) => path.join(PROTO_DIR, target);
    loaded.loadSync(TRACE_SERVICE_PROTO, { keepCase: false });
    loaded.resolveAll();
    root = loaded;
  }
  return root;
}

/** Looks up a message type by its full name, e.g. `opentelemetry.proto.common.v1.KeyValueList`. */
export function otlpType(fullName: string): protobuf.Type {
  return otlpRoot().lookupType(fullName);
}

/** Full names of the messages this package handles. */
export const OTLP_TYPES = {
  exportRequest: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  exportResponse: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
  resourceSpans: 'opentelemetry.proto.trace.v1.ResourceSpans',
  scopeSpans: 'opentelemetry.proto.trace.v1.ScopeSpans',
  span: 'opentelemetry.proto.trace.v1.Span',
  event: 'opentelemetry.proto.trace.v1.Span.Event',
  link: 'opentelemetry.proto.trace.v1.Span.Link',
  status: 'opentelemetry.proto.trace.v1.Status',
  resource: 'opentelemetry.proto.resource.v1.Resource',
  scope: 'opentelemetry.proto.common.v1.InstrumentationScope',
  keyValueList: 'opentelemetry.proto.common.v1.KeyValueList',
  keyValue: 'opentelemetry.proto.common.v1.KeyValue',
  anyValue: 'opentelemetry.proto.common.v1.AnyValue',
} as const;
