import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../src/common/logger.js';
import { telemetryTopic } from '../src/ingest/index.js';
import { demoFleet, demoReading } from './demoFleet.js';

export interface DemoPublisher {
  stop(): Promise<void>;
}

/**
 * Publishes the demo fleet over MQTT every `intervalMs`, through the same broker and contract real
 * meters use, after backfilling `backfillMs` of history so charts have data at once.
 */
export async function startDemoPublisher(opts: { url: string; meters: number; intervalMs: number; backfillMs: number; logger: Logger }): Promise<DemoPublisher> {
  const fleet = demoFleet(opts.meters);
  const client: MqttClient = await mqtt.connectAsync(opts.url, { protocolVersion: 4, clientId: `gridcast-demo-${process.pid}` });
  const publishAt = async (times: number[]) => {
    await Promise.all(
      fleet.map((m) => client.publishAsync(telemetryTopic(m.site, m.feeder, m.meter), JSON.stringify(times.map((t) => demoReading(m, t))), { qos: 1 })),
    );
  };
  const now = Math.floor(Date.now() / opts.intervalMs) * opts.intervalMs;
  const history: number[] = [];
  for (let t = now - opts.backfillMs; t < now; t += opts.intervalMs) history.push(t);
  for (let i = 0; i < history.length; i += 1000) await publishAt(history.slice(i, i + 1000));
  opts.logger.info({ meters: fleet.length, intervalMs: opts.intervalMs, backfilledReadings: history.length * fleet.length }, 'demo meters publishing');
  const timer = setInterval(() => {
    publishAt([Math.floor(Date.now() / 1000) * 1000]).catch((err: unknown) => opts.logger.warn({ err: String(err) }, 'demo publish failed'));
  }, opts.intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await client.endAsync();
    },
  };
}
