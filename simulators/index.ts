import type { Logger } from '../src/common/logger.js';
import { deriveSeed, Rng } from './physics/rng.js';
import { defaultFleet } from './fleetConfig.js';
import { FleetModel } from './fleetModel.js';
import { NO_FAULTS } from './faults.js';
import { mqttOutput } from './output.js';
import { runSimulation } from './simulate.js';

export interface FleetSimulation {
  stop(): Promise<void>;
}

/**
 * The simulated fleet inside `gridcast start --simulate N`: backfills `backfillMs` of history as fast
 * as the broker takes it, one reading per `backfillIntervalMs` (default `intervalMs`: a month at one a
 * minute would take minutes to ingest, at 15 minutes seconds), then reports every `intervalMs` in real
 * time until stopped. One fleet model runs through both, so the live readings go on from the backfill's.
 */
export async function startFleetSimulation(o: { url: string; meters: number; backfillMs: number; intervalMs: number; backfillIntervalMs?: number; logger: Logger }): Promise<FleetSimulation> {
  const fleet = new FleetModel(defaultFleet(o.meters), 1);
  const controller = new AbortController();
  const rng = new Rng(deriveSeed(1, 'faults'));
  const backfillIntervalMs = o.backfillIntervalMs ?? o.intervalMs;
  const startMs = Date.now() - o.backfillMs;
  const phase = async (clientId: string, clock: { startMs: number; untilMs?: number; intervalMs: number }) =>
    runSimulation({
      fleet,
      output: await mqttOutput({ url: o.url, qos: 1, clientId, window: 1000 }),
      clock: { ...clock, speed: Number.POSITIVE_INFINITY },
      batch: 1,
      faults: NO_FAULTS,
      random: () => rng.next(),
      signal: controller.signal,
    });
  const run = (async () => {
    let liveFromMs = startMs;
    if (backfillIntervalMs !== o.intervalMs) {
      // The backfill ends on its last tick before now; live readings start on the next live tick after it.
      const untilMs = Math.floor(Date.now() / backfillIntervalMs) * backfillIntervalMs;
      await phase(`gridcast-simulator-${process.pid}-backfill`, { startMs, untilMs, intervalMs: backfillIntervalMs });
      liveFromMs = untilMs + 1;
    }
    if (!controller.signal.aborted) await phase(`gridcast-simulator-${process.pid}`, { startMs: liveFromMs, intervalMs: o.intervalMs });
  })().catch((err: unknown) => {
    o.logger.error({ err: String(err) }, 'simulator stopped');
    return undefined;
  });
  o.logger.info(
    { meters: fleet.meters.length, backfillMinutes: o.backfillMs / 60_000, backfillIntervalSeconds: backfillIntervalMs / 1000, intervalSeconds: o.intervalMs / 1000 },
    'simulated meters publishing',
  );
  return {
    stop: async () => {
      controller.abort();
      await run;
    },
  };
}

// What the CLI (simulate, replay, backtest) and the benchmarks use of the simulators.
export { parseDurationMs, parseSpeed, parseTimeArg } from './clock.js';
export { FAULT_KINDS, type FaultRates } from './faults.js';
export { defaultFleet, fleetConfigSchema, loadFleetConfig, type FleetConfig } from './fleetConfig.js';
export { FleetModel } from './fleetModel.js';
export { dryRunOutput, mqttOutput, type Output } from './output.js';
export { deriveSeed, Rng } from './physics/rng.js';
export { loadReplaySeries, runReplay, UNIT_TO_KW, type PowerUnit } from './replay/replay.js';
export { runSimulation } from './simulate.js';
export { formatSummary, type RunSummary } from './summary.js';
