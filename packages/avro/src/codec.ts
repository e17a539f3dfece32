import { Type } from 'avsc';
import { bigintLongType } from './long';
import { readAvroSchema } from './schema-files';

/** Kafka header that names the writer schema of a message value, e.g. `span-batch.v2`. */
export const SCHEMA_HEADER = 'tailstream-schema';

export class SchemaError extends Error {
  readonly code = 'SCHEMA_ERROR';
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SchemaError';
  }
}

/**
 * Parses a schema file into an avsc Type. Named types it references must already be in `registry`;
 * the named types it defines are added to it (so one registry can chain dependent schemas).
 */
export function loadType(id: string, registry: Record<string, Type> = {}): Type {
  registry.long ??= bigintLongType;
  return Type.forSchema(readAvroSchema(id) as never, { registry: registry as never });
}

/**
 * Encodes values with the current (reader) schema and decodes values written with the current or
 * any older schema version of the same message type, resolving field differences (avsc resolvers).
 */
export class AvroCodec<T> {
  private readonly resolvers = new Map<string, ReturnType<Type['createResolver']> | null>();

  /**
   * @param schemaId  id of the current schema (the one this process writes), e.g. `span-batch.v2`
   * @param type      avsc type of the current schema
   * @param writers   every schema id this codec can read (current included), with a loader for each
   */
  constructor(
    readonly schemaId: string,
    readonly type: Type,
    private readonly writers: Record<string, () => Type>,
  ) {}

  encode(value: T): Buffer {
    return this.type.toBuffer(value);
  }

  /** Decodes `buf` written with schema `writerId` (from the message header) into the current shape. */
  decode(buf: Buffer, writerId: string | undefined): T {
    if (writerId === undefined || writerId === '') {
      throw new SchemaError(`message has no ${SCHEMA_HEADER} header; expected one of ${Object.keys(this.writers).join(', ')}`);
    }
    const resolver = this.resolverFor(writerId);
    try {
      return (resolver ? this.type.fromBuffer(buf, resolver) : this.type.fromBuffer(buf)) as T;
    } catch (cause) {
      throw new SchemaError(`cannot decode ${writerId} value: ${(cause as Error).message}`, { cause });
    }
  }

  /** Header value to send with encoded messages. */
  get headers(): Record<string, string> {
    return { [SCHEMA_HEADER]: this.schemaId };
  }

  private resolverFor(writerId: string): ReturnType<Type['createResolver']> | null {
    if (writerId === this.schemaId) return null;
    let resolver = this.resolvers.get(writerId);
    if (resolver === undefined) {
      const load = this.writers[writerId];
      if (!load) {
        throw new SchemaError(`unknown writer schema ${writerId}; this reader knows ${Object.keys(this.writers).join(', ')}`);
      }
      resolver = this.type.createResolver(load());
      this.resolvers.set(writerId, resolver);
    }
    return resolver;
  }
}
