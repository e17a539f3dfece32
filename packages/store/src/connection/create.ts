import { StoreError } from '../errors';
import { IDENTIFIER } from './insert-settings';
import { createEmbeddedClickHouse } from './embedded';
import { createHttpClickHouse } from './http';
import type { ClickHouse, ClickHouseOptions } from './types';

/**
 * Opens ClickHouse: over HTTP when `url` is set, otherwise the embedded chdb engine at
 * `embeddedPath` (shared by every caller of this process that asks for the same path).
 */
export function createClickHouse(options: ClickHouseOptions): ClickHouse {
  if (!IDENTIFIER.test(options.database)) {
    throw new StoreError(
      `invalid ClickHouse database name ${JSON.stringify(options.database)}: use letters, digits and _`,
      'CONFIG',
      false,
    );
  }
  if (options.url) return createHttpClickHouse({ ...options, url: options.url });
  if (!options.embeddedPath) {
    throw new StoreError('ClickHouse: set a server url, or embeddedPath for the embedded engine', 'CONFIG', false);
  }
  return createEmbeddedClickHouse({ ...options, embeddedPath: options.embeddedPath });
}
