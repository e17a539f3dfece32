import type { TopologySpec } from './topology';

/**
 * The default topology: a small online shop. Ten instrumented services (gateway, web-frontend,
 * mobile-bff, auth, catalog, cart, checkout, payments, inventory, shipping) and three
 * uninstrumented leaves (postgres, redis, kafka). Loops make N+1 patterns (checkout reserving each
 * item, the catalog import upserting each product) so a small share of traces has hundreds of spans.
 */
export function defaultTopology(): TopologySpec {
  const auth = { service: 'auth', operation: 'auth.v1.AuthService/VerifyToken' };
  return {
    entrypoints: [
      { service: 'gateway', operation: 'GET /', weight: 25 },
      { service: 'gateway', operation: 'GET /products/{id}', weight: 30 },
      { service: 'gateway', operation: 'POST /cart/items', weight: 12 },
      { service: 'gateway', operation: 'POST /checkout', weight: 6 },
      { service: 'gateway', operation: 'GET /m/feed', weight: 15 },
      { service: 'gateway', operation: 'GET /m/orders/{id}', weight: 8 },
      { service: 'gateway', operation: 'GET /healthz', weight: 3 },
      { service: 'gateway', operation: 'POST /admin/catalog/import', weight: 1 },
    ],
    services: [
      {
        name: 'gateway',
        kind: 'http',
        language: 'go',
        version: '2.4.1',
        instances: 3,
        operations: [
          {
            name: 'GET /',
            latencyMs: { median: 0.6 },
            calls: [
              { ...auth, probability: 0.5 },
              { service: 'web-frontend', operation: 'GET /' },
            ],
          },
          {
            name: 'GET /products/{id}',
            latencyMs: { median: 0.6 },
            calls: [
              { ...auth, probability: 0.5 },
              { service: 'web-frontend', operation: 'GET /products/{id}' },
            ],
          },
          {
            name: 'POST /cart/items',
            latencyMs: { median: 0.7 },
            calls: [auth, { service: 'web-frontend', operation: 'POST /cart/items' }],
          },
          { name: 'POST /checkout', latencyMs: { median: 0.8 }, calls: [auth, { service: 'web-frontend', operation: 'POST /checkout' }] },
          { name: 'GET /m/feed', latencyMs: { median: 0.6 }, calls: [auth, { service: 'mobile-bff', operation: 'GET /feed' }] },
          {
            name: 'GET /m/orders/{id}',
            latencyMs: { median: 0.6 },
            calls: [auth, { service: 'mobile-bff', operation: 'GET /orders/{id}' }],
          },
          { name: 'GET /healthz', latencyMs: { median: 0.1, sigma: 0.2 }, errorWeight: 0 },
          {
            name: 'POST /admin/catalog/import',
            latencyMs: { median: 1 },
            calls: [auth, { service: 'catalog', operation: 'catalog.v1.CatalogService/ImportProducts' }],
          },
        ],
      },
      {
        name: 'web-frontend',
        kind: 'http',
        language: 'nodejs',
        version: '5.12.0',
        instances: 4,
        port: 3000,
        operations: [
          {
            name: 'GET /',
            latencyMs: { median: 3 },
            calls: [
              { service: 'redis', operation: 'GET' },
              { service: 'catalog', operation: 'catalog.v1.CatalogService/ListFeatured' },
              { service: 'cart', operation: 'GET /carts/{id}', probability: 0.6 },
              { operation: 'render page' },
            ],
          },
          {
            name: 'GET /products/{id}',
            latencyMs: { median: 2.5 },
            calls: [
              { service: 'redis', operation: 'GET' },
              { service: 'catalog', operation: 'catalog.v1.CatalogService/GetProduct' },
              { service: 'inventory', operation: 'inventory.v1.InventoryService/GetStock', parallel: true },
              { service: 'catalog', operation: 'catalog.v1.CatalogService/ListRecommendations', probability: 0.7, parallel: true },
              { operation: 'render page' },
            ],
          },
          {
            name: 'POST /cart/items',
            latencyMs: { median: 2 },
            calls: [
              { service: 'redis', operation: 'GET' },
              { service: 'cart', operation: 'POST /carts/{id}/items' },
            ],
          },
          {
            name: 'POST /checkout',
            latencyMs: { median: 2 },
            calls: [
              { service: 'redis', operation: 'GET' },
              { service: 'checkout', operation: 'POST /checkouts' },
              { operation: 'render page' },
            ],
          },
          { name: 'render page', latencyMs: { median: 4, sigma: 0.6 } },
        ],
      },
      {
        name: 'mobile-bff',
        kind: 'http',
        language: 'java',
        version: '1.9.3',
        instances: 2,
        operations: [
          {
            name: 'GET /feed',
            latencyMs: { median: 2 },
            calls: [
              { service: 'redis', operation: 'GET' },
              { service: 'catalog', operation: 'catalog.v1.CatalogService/ListFeatured' },
              { service: 'catalog', operation: 'catalog.v1.CatalogService/GetProduct', repeat: [3, 12], parallel: true },
            ],
          },
          { name: 'GET /orders/{id}', latencyMs: { median: 1.5 }, calls: [{ service: 'checkout', operation: 'GET /orders/{id}' }] },
        ],
      },
      {
        name: 'auth',
        kind: 'grpc',
        language: 'go',
        version: '3.1.0',
        instances: 2,
        operations: [
          {
            name: 'auth.v1.AuthService/VerifyToken',
            latencyMs: { median: 0.4 },
            calls: [
              { service: 'redis', operation: 'GET' },
              { service: 'postgres', operation: 'SELECT users', probability: 0.2 },
            ],
          },
        ],
      },
      {
        name: 'catalog',
        kind: 'grpc',
        language: 'java',
        version: '7.0.2',
        instances: 3,
        operations: [
          {
            name: 'catalog.v1.CatalogService/GetProduct',
            latencyMs: { median: 0.8 },
            calls: [
              { service: 'redis', operation: 'GET' },
              { service: 'postgres', operation: 'SELECT products', probability: 0.3 },
            ],
          },
          {
            name: 'catalog.v1.CatalogService/ListFeatured',
            latencyMs: { median: 1.5 },
            calls: [
              { service: 'postgres', operation: 'SELECT products' },
              { operation: 'enrich product', repeat: [4, 16] },
            ],
          },
          {
            name: 'catalog.v1.CatalogService/ListRecommendations',
            latencyMs: { median: 6, sigma: 0.8 },
            calls: [{ service: 'postgres', operation: 'SELECT products' }, { operation: 'score candidates' }],
          },
          {
            name: 'catalog.v1.CatalogService/ImportProducts',
            latencyMs: { median: 5 },
            calls: [
              { operation: 'upsert product', repeat: [40, 120] },
              { service: 'kafka', operation: 'catalog-updates' },
            ],
          },
          { name: 'enrich product', latencyMs: { median: 0.3 }, calls: [{ service: 'redis', operation: 'GET' }] },
          { name: 'score candidates', latencyMs: { median: 8, sigma: 0.7 } },
          {
            name: 'upsert product',
            latencyMs: { median: 0.5 },
            calls: [
              { service: 'postgres', operation: 'INSERT products' },
              { service: 'inventory', operation: 'inventory.v1.InventoryService/SetStock' },
            ],
          },
        ],
      },
      {
        name: 'cart',
        kind: 'http',
        language: 'python',
        version: '4.2.0',
        instances: 2,
        port: 8000,
        operations: [
          {
            name: 'GET /carts/{id}',
            latencyMs: { median: 1.2 },
            calls: [
              { service: 'redis', operation: 'HGETALL' },
              { service: 'postgres', operation: 'SELECT cart_items', probability: 0.3 },
            ],
          },
          {
            name: 'POST /carts/{id}/items',
            latencyMs: { median: 1.5 },
            calls: [
              { service: 'catalog', operation: 'catalog.v1.CatalogService/GetProduct' },
              { service: 'inventory', operation: 'inventory.v1.InventoryService/GetStock' },
              { service: 'postgres', operation: 'INSERT cart_items' },
              { service: 'redis', operation: 'HSET' },
            ],
          },
          { name: 'process catalog-updates', latencyMs: { median: 3 }, calls: [{ service: 'redis', operation: 'HSET', repeat: [1, 4] }] },
        ],
      },
      {
        name: 'checkout',
        kind: 'http',
        language: 'java',
        version: '6.3.4',
        instances: 2,
        operations: [
          {
            name: 'POST /checkouts',
            latencyMs: { median: 3 },
            calls: [
              { service: 'cart', operation: 'GET /carts/{id}' },
              { service: 'inventory', operation: 'inventory.v1.InventoryService/ReserveStock', repeat: [1, 30] },
              { service: 'payments', operation: 'POST /v1/charges' },
              { service: 'postgres', operation: 'INSERT orders' },
              { service: 'postgres', operation: 'INSERT order_items', repeat: [1, 5] },
              { service: 'kafka', operation: 'orders' },
            ],
          },
          {
            name: 'GET /orders/{id}',
            latencyMs: { median: 1 },
            calls: [
              { service: 'postgres', operation: 'SELECT orders' },
              { service: 'postgres', operation: 'SELECT order_items', repeat: [1, 8] },
            ],
          },
        ],
      },
      {
        name: 'payments',
        kind: 'http',
        language: 'go',
        version: '2.0.7',
        instances: 2,
        operations: [
          {
            name: 'POST /v1/charges',
            latencyMs: { median: 60, sigma: 0.8 },
            errorWeight: 4,
            calls: [{ operation: 'fraud check' }, { service: 'postgres', operation: 'INSERT payments' }],
          },
          { name: 'fraud check', latencyMs: { median: 5, sigma: 0.6 }, calls: [{ service: 'redis', operation: 'GET' }] },
        ],
      },
      {
        name: 'inventory',
        kind: 'grpc',
        language: 'go',
        version: '1.14.2',
        instances: 2,
        operations: [
          {
            name: 'inventory.v1.InventoryService/GetStock',
            latencyMs: { median: 0.5 },
            calls: [
              { service: 'redis', operation: 'GET' },
              { service: 'postgres', operation: 'SELECT stock', probability: 0.4 },
            ],
          },
          {
            name: 'inventory.v1.InventoryService/ReserveStock',
            latencyMs: { median: 0.7 },
            errorWeight: 2,
            calls: [{ service: 'postgres', operation: 'UPDATE stock' }],
          },
          {
            name: 'inventory.v1.InventoryService/SetStock',
            latencyMs: { median: 0.4 },
            calls: [{ service: 'postgres', operation: 'UPDATE stock' }],
          },
        ],
      },
      {
        name: 'shipping',
        kind: 'worker',
        language: 'python',
        version: '0.9.8',
        instances: 1,
        operations: [
          {
            name: 'process orders',
            latencyMs: { median: 4 },
            calls: [{ operation: 'create label' }, { service: 'postgres', operation: 'INSERT shipments' }],
          },
          { name: 'create label', latencyMs: { median: 12, sigma: 0.7 } },
        ],
      },
      {
        name: 'postgres',
        kind: 'database',
        system: 'postgresql',
        namespace: 'shop',
        instances: 1,
        operations: [
          { name: 'SELECT users', query: 'SELECT id, email, roles FROM users WHERE id = $1', latencyMs: { median: 0.9 } },
          {
            name: 'SELECT products',
            query: 'SELECT id, name, price, image_url FROM products WHERE id = ANY($1)',
            latencyMs: { median: 1.6, sigma: 0.7 },
          },
          {
            name: 'INSERT products',
            query: 'INSERT INTO products (id, name, price) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = $2, price = $3',
            latencyMs: { median: 1.2 },
          },
          { name: 'SELECT stock', query: 'SELECT quantity FROM stock WHERE product_id = $1', latencyMs: { median: 0.8 } },
          {
            name: 'UPDATE stock',
            query: 'UPDATE stock SET quantity = quantity - $2 WHERE product_id = $1 AND quantity >= $2',
            latencyMs: { median: 1.1, sigma: 0.8 },
            errorWeight: 2,
          },
          {
            name: 'SELECT cart_items',
            query: 'SELECT product_id, quantity FROM cart_items WHERE cart_id = $1',
            latencyMs: { median: 0.9 },
          },
          {
            name: 'INSERT cart_items',
            query: 'INSERT INTO cart_items (cart_id, product_id, quantity) VALUES ($1, $2, $3)',
            latencyMs: { median: 1.3 },
          },
          { name: 'INSERT orders', query: 'INSERT INTO orders (id, user_id, total) VALUES ($1, $2, $3)', latencyMs: { median: 1.8 } },
          {
            name: 'INSERT order_items',
            query: 'INSERT INTO order_items (order_id, product_id, quantity, price) VALUES ($1, $2, $3, $4)',
            latencyMs: { median: 1.2 },
          },
          { name: 'SELECT orders', query: 'SELECT id, status, total, created_at FROM orders WHERE id = $1', latencyMs: { median: 1 } },
          {
            name: 'SELECT order_items',
            query: 'SELECT product_id, quantity, price FROM order_items WHERE order_id = $1',
            latencyMs: { median: 0.9 },
          },
          {
            name: 'INSERT payments',
            query: 'INSERT INTO payments (id, order_id, amount, provider_ref) VALUES ($1, $2, $3, $4)',
            latencyMs: { median: 1.5 },
          },
          {
            name: 'INSERT shipments',
            query: 'INSERT INTO shipments (order_id, carrier, label_url) VALUES ($1, $2, $3)',
            latencyMs: { median: 1.4 },
          },
        ],
      },
      {
        name: 'redis',
        kind: 'cache',
        system: 'redis',
        instances: 1,
        operations: [
          { name: 'GET', query: 'GET ?', latencyMs: { median: 0.25, sigma: 0.4 }, errorWeight: 0.3 },
          { name: 'HGETALL', query: 'HGETALL ?', latencyMs: { median: 0.3, sigma: 0.4 }, errorWeight: 0.3 },
          { name: 'HSET', query: 'HSET ? ? ?', latencyMs: { median: 0.3, sigma: 0.4 }, errorWeight: 0.3 },
        ],
      },
      {
        name: 'kafka',
        kind: 'queue',
        system: 'kafka',
        instances: 1,
        operations: [
          { name: 'orders', latencyMs: { median: 2 }, consumers: [{ service: 'shipping', operation: 'process orders' }] },
          { name: 'catalog-updates', latencyMs: { median: 2 }, consumers: [{ service: 'cart', operation: 'process catalog-updates' }] },
        ],
      },
    ],
  };
}
