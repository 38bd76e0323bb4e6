import { afterEach, beforeEach } from 'vitest';
import type { ForecastErrorPoint, ForecastPoint, TelemetryPoint } from '../../../../src/contract/index.js';
import type { ForecastQuery, Stores } from '../../../../src/storage/index.js';

/** One engine's stores for one test, and how to reopen them over the same data (a restart). */
export interface StoreFixture {
  stores: Stores;
  /** A second instance over the same data (a restart). */
  reopen(): Promise<Stores>;
  cleanup(): Promise<void>;
}

export type StoreSetup = () => Promise<StoreFixture>;

/** The stores of the running test: fresh for each test, initialised, closed (twice: idempotent) after it. */
export interface ContractContext {
  stores: Stores;
  fx: StoreFixture;
}

export function useStores(setup: StoreSetup): ContractContext {
  const ctx = {} as ContractContext;
  beforeEach(async () => {
    ctx.fx = await setup();
    ctx.stores = ctx.fx.stores;
    await ctx.stores.init();
    await ctx.stores.init(); // idempotent
  });
  afterEach(async () => {
    await ctx.stores.close();
    await ctx.stores.close(); // idempotent
    await ctx.fx.cleanup();
  });
  return ctx;
}


export const T0 = Date.UTC(2024, 0, 1); // epoch-aligned for any bucket that divides a day
export const pt = (meter: string, timeMs: number, fields: TelemetryPoint['fields'], feeder = 'f1'): TelemetryPoint => ({
  site: 's1',
  feeder,
  meter,
  kind: 'load',
  timeMs,
  fields,
});

export const H = 3_600_000;
export const ISSUE_6 = T0 + 6 * H; // 06:00
export const ISSUE_7 = T0 + 7 * H; // 07:00
export const fc = (issuedAtMs: number, timeMs: number, p50Kw: number, over: Partial<ForecastPoint> = {}): ForecastPoint => ({
  site: 's1',
  feeder: 'all',
  target: 'load',
  model: 'seasonal-naive',
  issuedAtMs,
  timeMs,
  p10Kw: p50Kw - 1.5,
  p50Kw,
  p90Kw: p50Kw + 2.25,
  ...over,
});
/** 48 hourly steps from the issue time on, values base + hour + a fraction that must come back exactly. */
export const issue = (issuedAtMs: number, base: number, model: string): ForecastPoint[] =>
  Array.from({ length: 48 }, (_, h) => fc(issuedAtMs, issuedAtMs + h * H, base + h + 0.123456789, { model }));
export const fq = (over: Partial<ForecastQuery> = {}): ForecastQuery => ({ site: 's1', feeder: 'all', target: 'load', fromMs: ISSUE_6, toMs: ISSUE_6 + 49 * H, ...over });

/** A score of the step at `timeMs` of the forecast issued at `issuedAtMs`; values that must come back exactly. */
export const fe = (issuedAtMs: number, timeMs: number, over: Partial<ForecastErrorPoint> = {}): ForecastErrorPoint => ({
  site: 's1',
  feeder: 'all',
  target: 'load',
  model: 'lstm@v1',
  issuedAtMs,
  timeMs,
  actualKw: 10.123456789,
  p50Kw: 12.5,
  errorKw: 2.376543211,
  absErrorKw: 2.376543211,
  apePct: 23.4765,
  inBand: 1,
  pinballKw: 0.987654321,
  ...over,
});

export const INJECTIONS = [`x' OR '1'='1`, `x" OR "1"="1`, `x'; DROP TABLE telemetry; --`, `x\\`, `s1' OR site =~ /.*/ --`, 'line\nbreak'];
