import mqtt, { type MqttClient } from 'mqtt';
import { READING_FIELDS, telemetryTopic, type Reading, type TelemetryPoint } from '../../src/contract/index.js';
import type { FleetModel } from '../../simulators/fleetModel.js';
import { sleep } from './services.js';

/**
 * A deterministic meter fleet for tests: reading i of meter m has a known time and value, so what
 * arrives in the store can be checked exactly.
 */
export interface FleetReading {
  site: string;
  feeder: string;
  meter: string;
  reading: Reading & { ts: number; powerKw: number };
}

export function fleetReadings(opts: { meters: number; perMeter: number; startMs: number; stepMs?: number; site?: string }): FleetReading[] {
  const out: FleetReading[] = [];
  const step = opts.stepMs ?? 1000;
  for (let i = 0; i < opts.perMeter; i++) {
    for (let m = 0; m < opts.meters; m++) {
      out.push({
        site: opts.site ?? 'site-a',
        feeder: `feeder-${m % 10}`,
        meter: `meter-${m}`,
        // Exact binary fractions and a per-meter offset: any mix-up of meters or times shows.
        reading: { ts: opts.startMs + i * step, kind: 'load', powerKw: m + i / 8, voltageV: 230 + (m % 7) / 4 },
      });
    }
  }
  return out;
}

export interface PublishPlanEntry {
  topic: string;
  payload: string;
}

/** Groups readings into messages: every `arrayEvery`-th meter publishes arrays of `arraySize`, the rest single readings. */
export function toMessages(readings: FleetReading[], arraySize: number, arrayEvery = 2): PublishPlanEntry[] {
  const byMeter = new Map<string, FleetReading[]>();
  for (const r of readings) {
    const key = telemetryTopic(r.site, r.feeder, r.meter);
    const list = byMeter.get(key);
    if (list) list.push(r);
    else byMeter.set(key, [r]);
  }
  const out: PublishPlanEntry[] = [];
  let meterIndex = 0;
  for (const [topic, list] of byMeter) {
    const asArray = arrayEvery > 0 && meterIndex++ % arrayEvery === 0;
    if (asArray) {
      for (let i = 0; i < list.length; i += arraySize) {
        out.push({ topic, payload: JSON.stringify(list.slice(i, i + arraySize).map((r) => r.reading)) });
      }
    } else {
      for (const r of list) out.push({ topic, payload: JSON.stringify(r.reading) });
    }
  }
  return out;
}

export async function connectPublisher(url: string, clientId = `test-pub-${process.pid}-${Math.random().toString(36).slice(2, 8)}`): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 5, clientId, clean: true, reconnectPeriod: 500 });
}

/** Publishes at QoS 1 with a bounded window of unacknowledged messages. */
export async function publishAll(client: MqttClient, messages: PublishPlanEntry[], window = 500, onProgress?: (sent: number) => Promise<void> | void): Promise<void> {
  let next = 0;
  let sent = 0;
  const worker = async () => {
    while (next < messages.length) {
      const m = messages[next++]!;
      await client.publishAsync(m.topic, m.payload, { qos: 1 });
      sent++;
      if (onProgress) await onProgress(sent);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
}

/** An onProgress for publishAll that holds publishing to roughly `perSecond` messages/s, calling `at(sent)` as it goes. */
export function paced(perSecond: number, at: (sent: number) => Promise<void> | void = () => {}) {
  const started = Date.now();
  return async (sent: number) => {
    await at(sent);
    const ahead = (sent / perSecond) * 1000 - (Date.now() - started);
    if (ahead > 0) await sleep(ahead);
  };
}

/**
 * Hourly history of a simulated fleet from `fromMs` (inclusive) to `toMs`, as the ingester stores it: one point per
 * meter and step, each reading field under its stored name.
 */
export function simulatedHistory(fleet: FleetModel, fromMs: number, toMs: number, stepMs = 3_600_000): TelemetryPoint[] {
  const points: TelemetryPoint[] = [];
  for (let t = fromMs; t < toMs; t += stepMs) {
    fleet.step(t).forEach((r, i) => {
      const m = fleet.meters[i]!;
      const fields: TelemetryPoint['fields'] = {};
      for (const [name, column] of Object.entries(READING_FIELDS)) {
        const v = (r as Record<string, unknown>)[name];
        if (typeof v === 'number') fields[column] = v;
      }
      points.push({ site: m.site, feeder: m.feeder, meter: m.meter, kind: m.kind, timeMs: t, fields });
    });
  }
  return points;
}
