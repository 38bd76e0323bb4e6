import { describe, expect, it } from 'vitest';
import { deaccumulateJoules, forecastValue, staticForecastTable, tableVariables, vintagedForecastTable, vintageIndexAt } from '../../../../src/forecast/features/weatherForecast.js';
import { clearSkyIndex, forecastFeaturesFor, hubSpeed, powerFraction, writeForecastFeatures } from '../../../../src/forecast/models/lstm/weatherForecastFeatures.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** Two runs, 12 h apart, each forecasting 48 h ahead; run 2 says 20 where run 1 says 10. */
const table = vintagedForecastTable('nwp', H, [
  ...Array.from({ length: 48 }, (_, h) => ({ issuedAtMs: T0, timeMs: T0 + (h + 1) * H, values: { temperature_c: 10 } })),
  ...Array.from({ length: 48 }, (_, h) => ({ issuedAtMs: T0 + 12 * H, timeMs: T0 + (13 + h) * H, values: { temperature_c: 20 } })),
]);

describe('weather forecast table: what was known at an instant', () => {
  it('takes the latest vintage issued at or before the instant, never a later one', () => {
    expect(vintageIndexAt(table, T0 - 1)).toBe(-1);
    expect(vintageIndexAt(table, T0)).toBe(0);
    expect(vintageIndexAt(table, T0 + 12 * H - 1)).toBe(0);
    expect(vintageIndexAt(table, T0 + 12 * H)).toBe(1);
    expect(forecastValue(table, 0, 'temperature_c', T0 + 20 * H)).toBe(10);
    expect(forecastValue(table, 1, 'temperature_c', T0 + 20 * H)).toBe(20);
  });

  it('falls back to the newest earlier vintage that covers the hour, and NaN past every one', () => {
    // Run 2 starts at 13:00: 12:00 is only in run 1.
    expect(forecastValue(table, 1, 'temperature_c', T0 + 12 * H)).toBe(10);
    expect(forecastValue(table, 1, 'temperature_c', T0 + 61 * H)).toBe(Number.NaN);
    expect(forecastValue(table, 0, 'temperature_c', T0 + 49 * H)).toBe(Number.NaN);
    expect(forecastValue(table, 1, 'ghi_wm2', T0 + 20 * H)).toBe(Number.NaN);
    expect(tableVariables(table)).toEqual(['temperature_c']);
  });

  it('a static table (the GEFCom convention) is known at any issue time', () => {
    const s = staticForecastTable('gefcom', T0, H, { ghi_wm2: Float64Array.from([0, 100, 200]) });
    expect(forecastValue(s, vintageIndexAt(s, -1e15), 'ghi_wm2', T0 + H + 1)).toBe(100);
  });

  it('turns accumulated J/m² into mean W/m² per step, restarting at each run', () => {
    // 3600 J/m² in the first hour = 1 W/m²; the sum drops at a new run.
    expect([...deaccumulateJoules(Float64Array.from([3600, 10_800, 10_800, 7200, Number.NaN]), H)]).toEqual([1, 2, 0, 2, Number.NaN]);
  });
});

describe('weather forecast features', () => {
  it('picks the physically meaningful inputs each target can have', () => {
    expect(forecastFeaturesFor('load', table, { position: false })).toEqual(['temperature', 'heating_degrees', 'cooling_degrees', 'temperature_24h']);
    const pvTable = staticForecastTable('x', T0, H, { ghi_wm2: new Float64Array(3), cloud_cover_pct: new Float64Array(3) });
    expect(forecastFeaturesFor('pv', pvTable, { position: true })).toEqual(['ghi', 'clear_sky_index', 'cloud_cover']);
    expect(forecastFeaturesFor('pv', pvTable, { position: false })).toEqual(['ghi', 'cloud_cover']);
    expect(forecastFeaturesFor('wind', staticForecastTable('x', T0, H, { wind_speed_10m_ms: new Float64Array(3) }), { position: false })).toEqual(['hub_speed', 'hub_power_fraction']);
    expect(forecastFeaturesFor('wind', undefined, { position: false })).toEqual([]);
    // With temperature too: the cell-temperature derating; with an array: irradiance on its plane.
    const pvFull = staticForecastTable('x', T0, H, { ghi_wm2: new Float64Array(3), temperature_c: new Float64Array(3) });
    expect(forecastFeaturesFor('pv', pvFull, { position: true })).toEqual(['ghi', 'clear_sky_index', 'temperature', 'derated_irradiance']);
    expect(forecastFeaturesFor('pv', pvFull, { position: true, pvArray: true })).toEqual(['ghi', 'clear_sky_index', 'temperature', 'poa', 'derated_irradiance']);
    expect(forecastFeaturesFor('pv', pvFull, { position: false, pvArray: true })).toEqual(['ghi', 'temperature', 'derated_irradiance']);
    // Ablation leaves the named ones out.
    expect(forecastFeaturesFor('pv', pvFull, { position: true, exclude: ['clear_sky_index', 'temperature'] })).toEqual(['ghi', 'derated_irradiance']);
  });

  it('computes degrees, hub speed, the cube law and the clear-sky index on hand-checked numbers', () => {
    expect(hubSpeed(Number.NaN, 10)).toBeCloseTo(10 * 10 ** (1 / 7), 10); // 13.89 m/s
    expect(hubSpeed(8, 10)).toBe(8);
    expect(powerFraction(3)).toBe(0);
    expect(powerFraction(12)).toBe(1);
    expect(powerFraction(7.5)).toBeCloseTo((7.5 ** 3 - 27) / (1728 - 27), 12); // 0.232
    expect(clearSkyIndex(400, 800)).toBe(0.5);
    expect(clearSkyIndex(400, 10)).toBe(0);
    expect(clearSkyIndex(1000, 500)).toBe(1.5);

    const out = new Float32Array(2 * 5);
    const features = ['temperature', 'heating_degrees', 'cooling_degrees', 'temperature_24h'] as const;
    // As known at 12:00, 20:00 reads run 2 (20 °C), with a trailing mean over run 1 (10 °C) and run 2.
    const missing = writeForecastFeatures({ table, features, position: undefined }, T0 + 12 * H, T0 + 20 * H, H, 2, out, 0, 5);
    expect(missing).toBe(0);
    expect(out[0]).toBeCloseTo((20 - 15) / 10, 6);
    expect(out[1]).toBe(0); // 20 °C is above the 15.5 °C heating base
    expect(out[2]).toBe(0); // and below the 22 °C cooling base
    // 20:00 back to 21:00 the day before: 21:00..00:00 have no run (NaN), 01:00..12:00 run 1 (10), 13:00..20:00 run 2 (20).
    expect(out[3]).toBeCloseTo(((12 * 10 + 8 * 20) / 20 - 15) / 10, 5);
    expect(out[4]).toBe(0);
    // As known before any run: every step flagged, values zero.
    const none = new Float32Array(5);
    expect(writeForecastFeatures({ table, features, position: undefined }, T0 - 1, T0 + 20 * H, H, 1, none, 0, 5)).toBe(1);
    expect([...none]).toEqual([0, 0, 0, 0, 1]);
  });

  it('derates irradiance for the cell temperature, and feeds the site\'s hub height and power curve', () => {
    const pv = staticForecastTable('x', T0, H, { ghi_wm2: Float64Array.of(800), temperature_c: Float64Array.of(25) });
    const out = new Float32Array(2);
    // Cell 25 + 25/800·800 = 50 °C → 0.9 of 800 W/m² (no array known: GHI stands for the plane).
    expect(writeForecastFeatures({ table: pv, features: ['derated_irradiance'], position: undefined }, T0, T0, H, 1, out, 0, 2)).toBe(0);
    expect(out[0]).toBeCloseTo(0.72, 6);

    const wind = staticForecastTable('x', T0, H, { wind_speed_100m_ms: Float64Array.of(8) });
    const turbine = { hubHeightM: 150, powerCurve: [{ speedMs: 3, powerFraction: 0 }, { speedMs: 13, powerFraction: 1 }] };
    const w = new Float32Array(3);
    writeForecastFeatures({ table: wind, features: ['hub_speed', 'hub_power_fraction'], position: undefined, turbine }, T0, T0, H, 1, w, 0, 3);
    const hub = 8 * 1.5 ** (1 / 7);
    expect(w[0]).toBeCloseTo(hub / 15, 6);
    expect(w[1]).toBeCloseTo((hub - 3) / 10, 6);
  });
});
