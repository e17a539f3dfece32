import { createReadStream, createWriteStream } from 'fs';
import { once } from 'events';
import { createInterface } from 'readline';
import type { SpanBatch } from '@tailstream/model';
import { decodeOtlpTraces } from '@tailstream/otlp';
import { encodeOtlpJson } from './encoding';
import type { LoadRequest } from './generator';

/**
 * Recorded traces: NDJSON, one OTLP/JSON `ExportTraceServiceRequest` per line, the format of the
 * OpenTelemetry Collector's file exporter (so a recording can also come from a real Collector).
 * Lines keep request boundaries: replaying line by line reproduces arrival order, including
 * traces split over several requests.
 */

export interface RecordingStats {
  lines: number;
  spans: number;
}

export interface WriteRecordedTracesOptions {
  /** Batches are grouped into lines of at least this many spans (default 512). */
  spansPerLine?: number;
}

/** Writes span batches to `file` (replacing it), grouped into requests of about `spansPerLine` spans. */
export async function writeRecordedTraces(
  file: string,
  batches: Iterable<SpanBatch>,
  options: WriteRecordedTracesOptions = {},
): Promise<RecordingStats> {
  const spansPerLine = options.spansPerLine ?? 512;
  function* lines(): Generator<SpanBatch[]> {
    let line: SpanBatch[] = [];
    let spans = 0;
    for (const b of batches) {
      line.push(b);
      spans += b.spans.length;
      if (spans >= spansPerLine) {
        yield line;
        line = [];
        spans = 0;
      }
    }
    if (line.length > 0) yield line;
  }
  return writeLines(file, lines());
}

/** Writes generated requests to `file` (replacing it), one line per request. */
export async function writeRecordedRequests(file: string, requests: Iterable<LoadRequest>): Promise<RecordingStats> {
  function* lines(): Generator<SpanBatch[]> {
    for (const r of requests) yield r.batches;
  }
  return writeLines(file, lines());
}

async function writeLines(file: string, lines: Iterable<SpanBatch[]>): Promise<RecordingStats> {
  const out = createWriteStream(file);
  const stats: RecordingStats = { lines: 0, spans: 0 };
  const failed = new Promise<never>((_resolve, reject) => out.once('error', reject));
  failed.catch(() => undefined); // observed below; avoids an unhandled rejection when writing succeeds
  try {
    for (const batches of lines) {
      if (batches.length === 0) continue;
      stats.lines++;
      for (const b of batches) stats.spans += b.spans.length;
      if (!out.write(`${encodeOtlpJson(batches)}\n`)) await Promise.race([once(out, 'drain'), failed]);
    }
  } finally {
    out.end();
  }
  await Promise.race([once(out, 'finish'), failed]);
  return stats;
}

/** A recording line that is not a valid OTLP/JSON request, or holds spans the decoder rejects. */
export class RecordingError extends Error {
  readonly code = 'LOADGEN_RECORDING_INVALID';
  readonly retryable = false;
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
    options?: { cause?: unknown },
  ) {
    super(`${file}:${line}: ${message}`, options);
    this.name = 'RecordingError';
  }
}

const NO_TIME_LIMIT = { nowNs: 0n, maxPastNs: 1n << 70n, maxFutureNs: 1n << 70n };
const NO_LIMITS = {
  maxAttributesPerSpan: Infinity,
  maxEventsPerSpan: Infinity,
  maxLinksPerSpan: Infinity,
  maxAttributeValueLength: Infinity,
};

/**
 * Reads a recording, one request after another (streaming). Each yielded array holds the batches
 * of one line (one batch per trace in it). Timestamps are not checked against the clock.
 */
export async function* readRecordedRequests(file: string): AsyncGenerator<SpanBatch[]> {
  const input = createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      let result;
      try {
        result = decodeOtlpTraces(line, 'json', { ...NO_TIME_LIMIT, ...NO_LIMITS });
      } catch (cause) {
        throw new RecordingError(`not an OTLP/JSON trace request: ${(cause as Error).message}`, file, lineNo, { cause });
      }
      if (result.rejectedCount > 0) {
        throw new RecordingError(`${result.rejectedCount} invalid span(s): ${result.firstErrorMessage ?? ''}`, file, lineNo);
      }
      yield result.batches;
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** Reads every batch of a recording, in file order. */
export async function readRecordedTraces(file: string): Promise<SpanBatch[]> {
  const all: SpanBatch[] = [];
  for await (const batches of readRecordedRequests(file)) all.push(...batches);
  return all;
}

/** A recording as sender input: one request per line, in file order (e.g. `sendOtlpHttp({ source: replayRecording(file) })`). */
export async function* replayRecording(file: string): AsyncGenerator<LoadRequest> {
  for await (const batches of readRecordedRequests(file)) yield { batches };
}
