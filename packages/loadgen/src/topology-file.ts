import { promises as fs } from 'fs';
import { parse } from 'yaml';
import { TopologyError, validateTopology, type TopologySpec } from './topology';

/** Parses a topology from YAML or JSON text (JSON is YAML) and validates it. */
export function parseTopology(text: string, source = 'topology'): TopologySpec {
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (err) {
    throw new TopologyError([`${source}: not valid YAML/JSON: ${(err as Error).message}`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TopologyError([`${source}: expected an object with "services" and "entrypoints"`]);
  }
  const topology = parsed as TopologySpec;
  validateTopology(topology);
  return topology;
}

/** Reads and validates a topology file (`.yaml`, `.yml` or `.json`). */
export async function loadTopologyFile(file: string): Promise<TopologySpec> {
  return parseTopology(await fs.readFile(file, 'utf8'), file);
}
