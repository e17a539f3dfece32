import { OtlpDecodeError, transcodeOtlpTraces } from '@tailstream/otlp';
import type { IngestConfig } from './config';
import { UndecodableError, type TraceDecoder } from './decode';

const NS_PER_S = 1_000_000_000n;

/** The ingest decoder: @tailstream/otlp's transcoder with this worker's validation bounds and limits. */
export function createTraceDecoder(config: Pick<IngestConfig, 'validation' | 'limits'>): TraceDecoder {
  const maxPastNs = BigInt(config.validation.maxPastSeconds) * NS_PER_S;
  const maxFutureNs = BigInt(config.validation.maxFutureSeconds) * NS_PER_S;
  return (body, encoding) => {
    try {
      const result = transcodeOtlpTraces(body, encoding, {
        maxPastNs,
        maxFutureNs,
        maxAttributesPerSpan: config.limits.maxAttributesPerSpan,
        maxAttributeValueLength: config.limits.maxAttributeValueLength,
        maxEventsPerSpan: config.limits.maxEventsPerSpan,
        maxLinksPerSpan: config.limits.maxLinksPerSpan,
      });
      const truncations = new Map<string, number>();
      for (const [kind, n] of Object.entries(result.truncations)) if (n > 0) truncations.set(kind, n);
      return {
        messages: result.messages,
        acceptedSpans: result.accepted,
        rejectedSpans: result.rejectedCount,
        rejectedByReason: result.rejected as Map<string, number>,
        truncations,
        message: result.firstErrorMessage ?? '',
      };
    } catch (error) {
      if (error instanceof OtlpDecodeError) throw new UndecodableError(error.message, error.reason);
      throw error;
    }
  };
}
