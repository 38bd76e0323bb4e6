import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type CounterConfiguration, type GaugeConfiguration, type HistogramConfiguration } from 'prom-client';

/**
 * One registry per running platform (not prom-client's global one) so tests can run several side by side.
 * Node's default metrics carry no prefix (`process_resident_memory_bytes`, `nodejs_heap_size_used_bytes`):
 * the names the standard Node.js dashboards and alerts query. gridcast's own metrics are `gridcast_*`.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The metric of that name already on `registry`, or a new one: a stage built twice on one registry (a test's
 * second server, an app rebuilt in the same process) shares the series instead of failing as already registered.
 */
function reuse<M>(registry: Registry, name: string, kind: abstract new (...args: never[]) => M, create: () => M): M {
  const existing: unknown = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  if (existing instanceof kind) return existing;
  throw new Error(`metric ${name} is already registered as another type`);
}

export function counter<T extends string>(registry: Registry, config: Omit<CounterConfiguration<T>, 'registers'>): Counter<T> {
  return reuse(registry, config.name, Counter<T>, () => new Counter<T>({ ...config, registers: [registry] }));
}

export function gauge<T extends string>(registry: Registry, config: Omit<GaugeConfiguration<T>, 'registers'>): Gauge<T> {
  return reuse(registry, config.name, Gauge<T>, () => new Gauge<T>({ ...config, registers: [registry] }));
}

export function histogram<T extends string>(registry: Registry, config: Omit<HistogramConfiguration<T>, 'registers'>): Histogram<T> {
  return reuse(registry, config.name, Histogram<T>, () => new Histogram<T>({ ...config, registers: [registry] }));
}

export type { Counter, Gauge, Histogram, Registry };
