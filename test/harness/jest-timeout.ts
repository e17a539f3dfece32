// Integration tests talk to a real broker and ClickHouse: allow each test up to 2 minutes
// (jest ignores testTimeout inside a project's config).
jest.setTimeout(120_000);
