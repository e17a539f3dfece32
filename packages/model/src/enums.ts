/**
 * OTLP enums, numbered exactly as in opentelemetry-proto, with the strings the OpenTelemetry
 * Collector ClickHouse exporter writes (traceutil.SpanKindStr / StatusCodeStr).
 */

export enum SpanKind {
  Unspecified = 0,
  Internal = 1,
  Server = 2,
  Client = 3,
  Producer = 4,
  Consumer = 5,
}

export enum StatusCode {
  Unset = 0,
  Ok = 1,
  Error = 2,
}

const SPAN_KIND_NAMES = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'] as const;
const STATUS_CODE_NAMES = ['Unset', 'Ok', 'Error'] as const;

/** Exporter-compatible span kind string, e.g. `Server`. Unknown numbers map to `Unspecified`. */
export function spanKindName(kind: number): string {
  return SPAN_KIND_NAMES[kind] ?? 'Unspecified';
}

/** Exporter-compatible status code string, e.g. `Error`. Unknown numbers map to `Unset`. */
export function statusCodeName(code: number): string {
  return STATUS_CODE_NAMES[code] ?? 'Unset';
}

const SPAN_KIND_BY_NAME: Record<string, SpanKind> = {
  SPAN_KIND_UNSPECIFIED: SpanKind.Unspecified,
  SPAN_KIND_INTERNAL: SpanKind.Internal,
  SPAN_KIND_SERVER: SpanKind.Server,
  SPAN_KIND_CLIENT: SpanKind.Client,
  SPAN_KIND_PRODUCER: SpanKind.Producer,
  SPAN_KIND_CONSUMER: SpanKind.Consumer,
};

const STATUS_CODE_BY_NAME: Record<string, StatusCode> = {
  STATUS_CODE_UNSET: StatusCode.Unset,
  STATUS_CODE_OK: StatusCode.Ok,
  STATUS_CODE_ERROR: StatusCode.Error,
};

/** Accepts the OTLP enum name (`SPAN_KIND_SERVER`), the short name (`Server`, any case) or the number. */
export function parseSpanKind(value: string | number): SpanKind | undefined {
  if (typeof value === 'number') return value >= 0 && value <= 5 ? (value as SpanKind) : undefined;
  const upper = value.toUpperCase();
  if (upper in SPAN_KIND_BY_NAME) return SPAN_KIND_BY_NAME[upper];
  const prefixed = SPAN_KIND_BY_NAME[`SPAN_KIND_${upper}`];
  return prefixed;
}

/** Accepts the OTLP enum name (`STATUS_CODE_ERROR`), the short name (`Error`, any case) or the number. */
export function parseStatusCode(value: string | number): StatusCode | undefined {
  if (typeof value === 'number') return value >= 0 && value <= 2 ? (value as StatusCode) : undefined;
  const upper = value.toUpperCase();
  if (upper in STATUS_CODE_BY_NAME) return STATUS_CODE_BY_NAME[upper];
  return STATUS_CODE_BY_NAME[`STATUS_CODE_${upper}`];
}
