import Long from 'long';
import * as protobuf from 'protobufjs';

/**
 * The protobufjs runtime this package uses, with `long` wired in explicitly so that 64-bit fields
 * (intValue, timestamps) keep full precision in every environment (protobufjs otherwise finds
 * `long` through a dynamic require that bundlers and test runners may hide, and silently falls
 * back to lossy JS numbers). Every module imports protobufjs through here.
 */
protobuf.util.Long = Long;
protobuf.configure();

export const Reader = protobuf.Reader;
export const Writer = protobuf.Writer;
export type Reader = protobuf.Reader;
export type Writer = protobuf.Writer;
export { protobuf, Long };
