import { OTLP_TYPES, otlpType } from './proto-root';
import { encodeExportTraceServiceResponse, exportTraceServiceResponseJson, partialSuccessOf } from './response';

describe('ExportTraceServiceResponse', () => {
  const type = otlpType(OTLP_TYPES.exportResponse);

  test('full success: empty message', () => {
    expect(encodeExportTraceServiceResponse()).toHaveLength(0);
    expect(exportTraceServiceResponseJson()).toBe('{}');
    expect(partialSuccessOf({ rejectedCount: 0, firstErrorMessage: undefined })).toBeUndefined();
  });

  test('partial success in protobuf and JSON', () => {
    const partial = partialSuccessOf({ rejectedCount: 3, firstErrorMessage: 'span rejected: missing_name' });
    expect(partial).toEqual({ rejectedSpans: 3, errorMessage: 'span rejected: missing_name' });
    const decoded = type.toObject(type.decode(encodeExportTraceServiceResponse(partial)), { longs: String });
    expect(decoded).toEqual({ partialSuccess: { rejectedSpans: '3', errorMessage: 'span rejected: missing_name' } });
    expect(JSON.parse(exportTraceServiceResponseJson(partial))).toEqual({
      partialSuccess: { rejectedSpans: '3', errorMessage: 'span rejected: missing_name' },
    });
  });
});
