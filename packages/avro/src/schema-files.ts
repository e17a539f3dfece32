import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Finds `schemas/avro` by walking up from this file (works from `src/` under jest and from `dist/`). */
export function avroSchemaDir(start = __dirname): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'schemas', 'avro');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`schemas/avro not found above ${start}`);
    dir = parent;
  }
}

/** Reads `schemas/avro/<id>.avsc`, e.g. `span-batch.v2`. */
export function readAvroSchema(id: string, dir = avroSchemaDir()): Record<string, unknown> {
  const file = join(dir, `${id}.avsc`);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}
