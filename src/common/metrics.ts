import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type CounterConfiguration, type GaugeConfiguration, type HistogramConfiguration } from 'prom-client';
import type { MqttClient } from 'mqtt';

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

/**
 * `gridcast_mqtt_connected{client}`: 1 while `client` has a connection to its broker, 0 from the start and
 * whenever it loses it (mqtt.js then reconnects by itself). One series per MQTT client the process runs.
 */
export function watchMqttConnection(registry: Registry, name: 'ingester' | 'dispatch', client: MqttClient): void {
  const connected = gauge(registry, { name: 'gridcast_mqtt_connected', help: 'Whether the MQTT client is connected to its broker (1) or not (0)', labelNames: ['client'] });
  connected.set({ client: name }, client.connected ? 1 : 0);
  client.on('connect', () => connected.set({ client: name }, 1));
  client.on('close', () => connected.set({ client: name }, 0));
}
