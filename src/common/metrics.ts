import { Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per running platform (not prom-client's global one) so tests can run several side by side. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gridcast_' });
  return registry;
}

export type { Registry };
