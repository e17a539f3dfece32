import { SNAPPY_DECODER_WASM_BASE64 } from './snappy-decoder-wasm';

/**
 * Raw snappy blocks decoded by a small WebAssembly module (snappy-decoder.wat) into memory the
 * caller chooses, e.g. a block of a BatchMemoryPool. The `snappy` addon can only return new memory
 * (allocated twice: by Rust, then copied into a Buffer), and new memory per batch is what drives
 * V8's collections in a consumer that reads a gigabyte of batches; the module also decodes span
 * batches faster than the addon does plus the copy (about 250 against 400-550 ns per span).
 *
 * The input is copied into the module's memory, decoded there, and the output copied out, so no
 * view of the module's memory outlives a call (growing it replaces its buffer).
 */

/** Bytes after the input and after the output that the module may read or write (see the .wat). */
const SLACK = 16;
/** Output the module decodes; larger blocks are left to the caller (undefined). */
export const MAX_WASM_OUTPUT_BYTES = 64 * 1024 * 1024;

/** A block that does not decode; the message says why. */
export class SnappyFormatError extends Error {}

/** The parts of the WebAssembly API used here (Node has it; this project's TypeScript libs do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

interface DecoderExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  decode(ip: number, ipEnd: number, op: number, opEnd: number): number;
}

let decoder: DecoderExports | undefined;
let memoryBytes: Uint8Array = new Uint8Array(0);

function exportsOf(): DecoderExports {
  if (decoder === undefined) {
    const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
    const module = new wasm.Module(Buffer.from(SNAPPY_DECODER_WASM_BASE64, 'base64'));
    decoder = new wasm.Instance(module).exports as DecoderExports;
    memoryBytes = new Uint8Array(decoder.memory.buffer);
  }
  return decoder;
}

/** The module's memory, at least `bytes` long. */
function memoryOf(d: DecoderExports, bytes: number): Uint8Array {
  if (memoryBytes.length < bytes) {
    d.memory.grow(Math.ceil((bytes - memoryBytes.length) / 65_536));
    memoryBytes = new Uint8Array(d.memory.buffer);
  }
  return memoryBytes;
}

/** The uncompressed length a raw block starts with (a varint of at most 32 bits), and where its tags start. */
export function snappyPreamble(input: Uint8Array): { length: number; tagsAt: number } {
  let length = 0;
  for (let i = 0; i < 5 && i < input.length; i++) {
    const byte = input[i] as number;
    length += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) {
      if (length > 0xffff_ffff) break;
      return { length, tagsAt: i + 1 };
    }
  }
  throw new SnappyFormatError('corrupt input: no valid length preamble');
}

/**
 * Decodes the raw block `input` into `allocate(length)` and returns that Buffer; undefined (nothing
 * allocated) for an output over MAX_WASM_OUTPUT_BYTES. Throws SnappyFormatError when the block is
 * corrupt: it never writes outside the Buffer allocated.
 */
export function decodeSnappyBlock(input: Buffer, allocate: (length: number) => Buffer): Buffer | undefined {
  const { length, tagsAt } = snappyPreamble(input);
  if (length > MAX_WASM_OUTPUT_BYTES) return undefined;
  // A 3-byte copy writes at most 64 bytes: longer outputs cannot come from this input.
  if (length > ((input.length - tagsAt) * 64) / 3) {
    throw new SnappyFormatError(`corrupt input: ${length} bytes announced for ${input.length - tagsAt} bytes of tags`);
  }
  const d = exportsOf();
  const outAt = (input.length + SLACK + 7) & ~7;
  const memory = memoryOf(d, outAt + length + SLACK);
  memory.set(input, 0);
  if (d.decode(tagsAt, input.length, outAt, outAt + length) !== outAt + length) {
    throw new SnappyFormatError('corrupt input');
  }
  const out = allocate(length);
  out.set(memory.subarray(outAt, outAt + length));
  return out;
}
