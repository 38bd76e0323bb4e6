import { describe, expect, it } from 'vitest';
import { holdSeries, scenarioFromForecasts } from '../../../src/dispatch/fromForecasts.js';
import { siteDispatchSchema } from '../../../src/dispatch/scenario.js';
import { priceSeries, reserveRequirement } from '../../../src/dispatch/steps.js';
import { spansBy, formatKw, formatSpan } from '../../../src/dispatch/words.js';
import type { ForecastPoint } from '../../../src/contract/index.js';

const H = 3_600_000;

describe('dispatch inputs, pure', () => {
  it('time-of-use prices follow the local clock, across midnight and a DST change', () => {
    // Europe/Amsterdam, 2024-03-31: clocks go 02:00 CET → 03:00 CEST. Steps every hour from 22:00 UTC on the 30th.
    const times = Array.from({ length: 8 }, (_, i) => Date.UTC(2024, 2, 30, 22) + i * H);
    const price = { timeOfUse: [{ from: '22:00', to: '06:00', pricePerKwh: 0.1 }, { from: '06:00', to: '22:00', pricePerKwh: 0.3 }] };
    // Local: 23:00, 00:00, 01:00, 03:00, 04:00, 05:00, 06:00, 07:00.
    expect(priceSeries(price, times, 'Europe/Amsterdam', 'p')).toEqual([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.3, 0.3]);
    expect(priceSeries(0.2, times.slice(0, 2), 'UTC', 'p')).toEqual([0.2, 0.2]);
    expect(() => priceSeries({ timeOfUse: [{ from: '08:00', to: '09:00', pricePerKwh: 1 }] }, times, 'UTC', 'grid.importPricePerKwh')).toThrow(
      'grid.importPricePerKwh: no time-of-use period covers 22:00 local time (UTC); add a period or otherwisePerKwh',
    );
  });

  it('reserve is the quantile spread of net load: independent spreads add in quadrature, additive ones linearly', () => {
    const forecasts = {
      load: { p10Kw: [90], p50Kw: [100], p90Kw: [130] }, // +30
      pv: { p10Kw: [20], p50Kw: [60], p90Kw: [70] }, // −40 when PV falls to P10
    };
    expect(reserveRequirement({ method: 'quantile-spread', combine: 'independent', factor: 1, minimumKw: 0 }, forecasts)).toEqual([50]);
    expect(reserveRequirement({ method: 'quantile-spread', combine: 'additive', factor: 1, minimumKw: 0 }, forecasts)).toEqual([70]);
    expect(reserveRequirement({ method: 'quantile-spread', combine: 'independent', factor: 2, minimumKw: 120 }, forecasts)).toEqual([120]);
    expect(reserveRequirement({ method: 'fixed', kw: 15 }, forecasts)).toEqual([15]);
    expect(reserveRequirement({ method: 'none' }, forecasts)).toEqual([0]);
  });

  it('hourly forecasts hold over 15-minute plan steps, and a gap stays a gap', () => {
    const p = (hour: number, p50Kw: number): ForecastPoint => ({ site: 's', feeder: 'all', target: 'load', model: 'm', issuedAtMs: 0, timeMs: hour * H, p10Kw: p50Kw, p50Kw, p90Kw: p50Kw });
    const held = holdSeries([p(1, 10), p(2, 20), p(4, 40), p(5, 50)], 1 * H, 15 * 60_000, 16);
    expect(held.map((x) => x?.p50Kw)).toEqual([10, 10, 10, 10, 20, 20, 20, 20, undefined, undefined, undefined, undefined, 40, 40, 40, 40]);
  });

  it('a site plan starts from the measured state of charge and stops where the load forecast stops', () => {
    const site = siteDispatchSchema.parse({
      site: 's',
      stepMinutes: 30,
      horizonHours: 48,
      batteries: [{ id: 'b', capacityKwh: 10, maxChargeKw: 5, maxDischargeKw: 5, socMinPct: 10, socMaxPct: 90, socInitialPct: 50 }],
      grid: { importLimitKw: 10, exportLimitKw: 0, importPricePerKwh: 0.2 },
    });
    const point = (target: ForecastPoint['target'], hour: number): ForecastPoint => ({ site: 's', feeder: 'all', target, model: `${target}-model`, issuedAtMs: 5, timeMs: hour * H, p10Kw: 1, p50Kw: 2, p90Kw: 3 });
    const scenario = scenarioFromForecasts(site, { load: [0, 1, 2].map((h) => point('load', h)), pv: [point('pv', 1)], wind: [] }, 0, { b: 95 });
    expect(scenario.forecasts.load.p50Kw).toHaveLength(6); // 3 hours of load at 30-minute steps
    expect(scenario.forecasts.pv?.p50Kw).toEqual([0, 0, 2, 2, 0, 0]);
    expect(scenario.forecasts.pv?.model).toBe('pv-model');
    expect(scenario.forecasts.wind).toBeUndefined();
    expect(scenario.batteries[0]!.socInitialPct).toBe(90); // 95 % measured, clamped to the 90 % maximum
    expect(() => scenarioFromForecasts(site, { load: [], pv: [], wind: [] }, 0)).toThrow(/no load forecast for site s/);
  });

  it('words: spans of equal keys, kW/MW, local times', () => {
    expect(spansBy(6, (t) => ([1, 1, undefined, 2, 2, 1] as const)[t])).toEqual([
      { key: 1, span: { from: 0, to: 2 } },
      { key: 2, span: { from: 3, to: 5 } },
      { key: 1, span: { from: 5, to: 6 } },
    ]);
    expect([formatKw(12.345), formatKw(350), formatKw(1200), formatKw(25_000)]).toEqual(['12.3 kW', '350 kW', '1.2 MW', '25 MW']);
    const times = Array.from({ length: 48 }, (_, i) => Date.UTC(2024, 0, 1, 17) + i * H); // Mon 18:00 CET onwards
    expect(formatSpan({ from: 0, to: 3 }, times, H, 'Europe/Amsterdam')).toBe('Mon 18:00–21:00');
    expect(formatSpan({ from: 5, to: 9 }, times, H, 'Europe/Amsterdam')).toBe('Mon 23:00–Tue 03:00');
    expect(formatSpan({ from: 0, to: 3 }, times.slice(0, 24), H, 'Europe/Amsterdam')).toBe('18:00–21:00');
  });
});
