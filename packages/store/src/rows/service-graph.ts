import { bucketJson, deltaMeasuresJson, type DeltaMeasures } from './histogram-rows';

/** Merged service-graph table. */
export const SERVICE_GRAPH_EDGES_TABLE = 'service_graph_edges';
/** Write edge delta rows here (engine Null; a materialized view builds the states). */
export const SERVICE_GRAPH_EDGES_INGEST_TABLE = 'service_graph_edges_ingest';

/** Column order of `service_graph_edges_ingest` as written by `serviceGraphEdgeRow`. */
export const SERVICE_GRAPH_EDGES_INGEST_COLUMNS = [
  'Bucket',
  'BucketSeconds',
  'ClientService',
  'ServerService',
  'ConnectionType',
  'Calls',
  'Errors',
  'DurationSumNano',
  'BucketBounds',
  'BucketCounts',
  'DurationValuesMs',
  'DurationWeights',
] as const;

/** One service-graph delta for (bucket, client service, server service, connection type). */
export interface ServiceGraphEdgeRowInput extends DeltaMeasures {
  clientService: string;
  serverService: string;
  /** `''` (direct call), `messaging_system` (producer/consumer) or `database`. */
  connectionType: string;
}

/** One `service_graph_edges_ingest` row as a JSONEachRow line (no trailing newline). */
export function serviceGraphEdgeRow(row: ServiceGraphEdgeRowInput): string {
  return (
    bucketJson(row) +
    `,"ClientService":${JSON.stringify(row.clientService)}` +
    `,"ServerService":${JSON.stringify(row.serverService)}` +
    `,"ConnectionType":${JSON.stringify(row.connectionType)}` +
    deltaMeasuresJson(row) +
    '}'
  );
}
