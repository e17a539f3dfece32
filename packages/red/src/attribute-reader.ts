/**
 * Reads selected attributes out of the protobuf encoding of an OTLP `KeyValueList` (the form span and
 * resource attributes travel in, see @tailstream/model). Implemented by @tailstream/otlp; injected
 * here so this package stays free of protobuf code.
 */
export interface AttributeReader {
  /**
   * Values of the requested keys that are present in `buf`, flattened to strings (numbers and
   * booleans as text, arrays and maps as JSON, by the otlp package's rule). Missing keys are absent
   * from the result.
   */
  getAttributes(buf: Buffer, keys: ReadonlySet<string>): Map<string, string>;
}
