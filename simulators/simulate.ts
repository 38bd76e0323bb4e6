import { delayUntilTickMs, firstTickMs, type ClockOptions } from './clock.js';
import { FaultInjector, type FaultRates } from './faults.js';
import type { Output } from './output.js';
import type { RunSummary } from './summary.js';
import { telemetryTopic, type Reading } from '../src/contract/index.js';

/** What the runner needs of a fleet: who the meters are, and their readings at a time. */
export interface Fleet {
  readonly meters: readonly { site: string; feeder: string; meter: string }[];
  step(timeMs: number): Reading[];
}

export interface SimulateOptions {
  fleet: Fleet;
  output: Output;
  clock: ClockOptions;
  /** Readings per message per meter (1: one JSON object per message). */
  batch: number;
  faults: FaultRates;
  /** Fault decisions draw from this (seeded) source, so a run is reproducible. */
  random: () => number;
  signal?: AbortSignal;
}

interface Held {
  dueTick: number;
  meter: number;
  reading: Reading;
}

/** Steps the fleet through simulated time and publishes what it reports, faults included. */
export async function runSimulation(o: SimulateOptions): Promise<RunSummary> {
  const topics = o.fleet.meters.map((m) => telemetryTopic(m.site, m.feeder, m.meter));
  const faults = new FaultInjector(o.faults, o.random, topics.length);
  const buffers: Reading[][] = topics.map(() => []);
  const reordered: (Reading[] | undefined)[] = topics.map(() => undefined);
  let late: Held[] = [];
  let readings = 0;
  let simNowMs = firstTickMs(o.clock);

  const publish = async (i: number, batch: Reading[]) => {
    const topic = topics[i]!;
    const bad = faults.malformed(topic, simNowMs);
    if (bad) await o.output.sendRaw(bad.topic, bad.payload);
    if (faults.reorder() && !reordered[i]) {
      reordered[i] = batch; // goes out after this meter's next message
      return;
    }
    await o.output.send(topic, batch);
    readings += batch.length;
    if (faults.duplicate()) await o.output.send(topic, batch);
    const held = reordered[i];
    if (held) {
      reordered[i] = undefined;
      await o.output.send(topic, held);
      readings += held.length;
    }
  };

  const started = performance.now();
  const realStartMs = Date.now();
  const from = firstTickMs(o.clock);
  let tick = 0;
  for (let t = from; o.clock.untilMs === undefined || t <= o.clock.untilMs; t += o.clock.intervalMs, tick++) {
    if (o.signal?.aborted) break;
    const wait = delayUntilTickMs(t, o.clock, realStartMs, Date.now());
    if (wait > 0) await sleep(wait, o.signal);
    if (o.signal?.aborted) break;
    simNowMs = t;
    const step = o.fleet.step(t);
    for (let i = 0; i < step.length; i++) {
      const r = faults.active ? faults.apply(i, tick, step[i]!) : step[i]!;
      if (r === undefined) continue;
      if ('late' in r) {
        late.push({ dueTick: tick + r.lateByTicks, meter: i, reading: r.late });
        continue;
      }
      const buffer = buffers[i]!;
      buffer.push(r);
      if (buffer.length >= o.batch) {
        buffers[i] = [];
        await publish(i, buffer);
      }
    }
    if (late.length > 0) {
      const due = late.filter((h) => h.dueTick <= tick);
      late = late.filter((h) => h.dueTick > tick);
      for (const h of due) await publish(h.meter, [h.reading]);
    }
  }
  // Flush whatever is still buffered, held late or held for reordering.
  for (let i = 0; i < buffers.length; i++) if (buffers[i]!.length > 0) await publish(i, buffers[i]!);
  for (const h of late) await publish(h.meter, [h.reading]);
  for (let i = 0; i < reordered.length; i++) {
    const held = reordered[i];
    if (held) {
      await o.output.send(topics[i]!, held);
      readings += held.length;
    }
  }
  await o.output.close();
  const seconds = (performance.now() - started) / 1000;
  return {
    published: o.output.messagesSent,
    readings,
    faults: { ...faults.counts },
    malformedByReason: { ...faults.malformedByReason },
    messagesPerSec: o.output.messagesSent / seconds,
    readingsPerSec: readings / seconds,
    seconds,
    simulatedFrom: new Date(from).toISOString(),
    simulatedTo: new Date(simNowMs).toISOString(),
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
