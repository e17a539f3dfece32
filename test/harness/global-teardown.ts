/** Stops only what the global setup started (containers, or the local broker if it was not running before). */
export default async function globalTeardown(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const stopContainers = g.__tailstreamContainers as (() => Promise<void>) | undefined;
  if (stopContainers) await stopContainers();
  const stopBroker = g.__tailstreamStopLocalBroker as (() => void) | undefined;
  if (stopBroker && process.env.TAILSTREAM_TEST_KEEP_KAFKA !== 'true') stopBroker();
}
