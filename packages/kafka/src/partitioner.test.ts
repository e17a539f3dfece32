import { randomBytes } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { fastDefaultPartitioner, murmur2, murmur2OfKey } from './partitioner';

// kafkajs's own bigint-Long murmur2, the reference (internal module of kafkajs 2.2.4)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer | string) => number;

const metadata = (n: number, leaderless: number[] = []) =>
  Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: leaderless.includes(i) ? -1 : 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));

describe('murmur2 partitioner', () => {
  test('hashes exactly as kafkajs for buffers of every length 0..70 and random content', () => {
    for (let length = 0; length <= 70; length++) {
      for (let i = 0; i < 20; i++) {
        const key = randomBytes(length);
        expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      }
    }
  });

  test('hashes string keys as their UTF-8 bytes, as kafkajs does (hex trace IDs, unicode, empty)', () => {
    const keys = ['', 'a', 'ab', 'abc', 'ąćę-ключ-🔑', ...Array.from({ length: 500 }, () => randomBytes(16).toString('hex'))];
    for (const key of keys) expect(murmur2OfKey(key)).toBe(kafkajsMurmur2(key));
    expect(murmur2OfKey('x'.repeat(500))).toBe(kafkajsMurmur2('x'.repeat(500)));
  });

  test('places keyed messages on the same partitions as kafkajs DefaultPartitioner', () => {
    const reference = Partitioners.DefaultPartitioner();
    const fast = fastDefaultPartitioner();
    for (const partitions of [1, 3, 7, 64]) {
      const partitionMetadata = metadata(partitions);
      for (let i = 0; i < 300; i++) {
        const key = i % 2 === 0 ? randomBytes(16).toString('hex') : randomBytes(i % 40);
        const message = { key, value: 'v' };
        expect(fast({ topic: 't', partitionMetadata, message })).toBe(reference({ topic: 't', partitionMetadata, message }));
      }
    }
  });

  test('an explicit partition wins; messages without key go round robin over partitions with a leader', () => {
    const fast = fastDefaultPartitioner();
    const partitionMetadata = metadata(4, [1]);
    expect(fast({ topic: 't', partitionMetadata, message: { key: 'k', value: 'v', partition: 3 } })).toBe(3);
    const seen = new Set(Array.from({ length: 12 }, () => fast({ topic: 't', partitionMetadata, message: { value: 'v' } })));
    expect([...seen].sort()).toEqual([0, 2, 3]);
  });
});
