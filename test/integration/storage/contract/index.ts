import { describeDispatchPlanContract } from './dispatch.js';
import type { StoreSetup } from './fixture.js';
import { describeForecastContract } from './forecasts.js';
import { describeIngestStatsContract } from './ingestStats.js';
import { describeLockContract } from './locks.js';
import { describeStoresContract } from './stores.js';
import { describeTelemetryContract } from './telemetry.js';
import { describeWeatherForecastContract } from './weatherForecasts.js';
import { describePricesContract } from './prices.js';

export type { StoreFixture, StoreSetup } from './fixture.js';

/** The store contract suite: each resource's contract, and the stores as a whole, on one engine. */
export function describeStoreContracts(engine: string, setup: StoreSetup): void {
  describeStoresContract(engine, setup);
  describeTelemetryContract(engine, setup);
  describeForecastContract(engine, setup);
  describeDispatchPlanContract(engine, setup);
  describeIngestStatsContract(engine, setup);
  describeLockContract(engine, setup);
  describeWeatherForecastContract(engine, setup);
  describePricesContract(engine, setup);
}
