import { compressionType, KAFKA_COMPRESSIONS } from './codecs'; // first: loads the speedups, then kafkajs
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { snappyCodec } from './snappy-codec';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's record batch modules have no typings */
interface EncodedBatch {
  buffer: Buffer;
}
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (args: Record<string, unknown>) => Promise<EncodedBatch>;
};
const KafkaRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (args: Record<string, unknown>) => unknown;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{
  records: { key: Buffer | null; value: Buffer | null }[];
}>;
/* eslint-enable @typescript-eslint/no-require-imports */

describe('Kafka compression codecs', () => {
  it('maps every name to its kafkajs type', () => {
    expect(KAFKA_COMPRESSIONS.map(compressionType)).toEqual([CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy]);
  });

  it('registers the snappy codec with kafkajs', () => {
    expect((CompressionCodecs as Record<number, () => unknown>)[CompressionTypes.Snappy]!()).toBe(snappyCodec);
  });

  it('kafkajs writes and reads a snappy record batch through the registry', async () => {
    const records = Array.from({ length: 200 }, (_, i) =>
      KafkaRecord({
        offsetDelta: i,
        key: Buffer.from(`trace-${i % 7}`),
        value: Buffer.from(`span ${i} of service checkout, route /api/orders`.repeat(4)),
      }),
    );
    const batch = await RecordBatch({ compression: CompressionTypes.Snappy, records, lastOffsetDelta: records.length - 1 });
    const uncompressed = await RecordBatch({ compression: CompressionTypes.None, records, lastOffsetDelta: records.length - 1 });
    expect(batch.buffer.length).toBeLessThan(uncompressed.buffer.length / 2);

    const decompress = jest.spyOn(snappyCodec, 'decompress');
    const decoded = await decodeRecordBatch(new Decoder(batch.buffer));
    expect(decompress).toHaveBeenCalledTimes(1);
    decompress.mockRestore();
    expect(decoded.records.map((r) => [r.key?.toString(), r.value?.toString()])).toEqual(
      Array.from({ length: 200 }, (_, i) => [`trace-${i % 7}`, `span ${i} of service checkout, route /api/orders`.repeat(4)]),
    );
  });
});
