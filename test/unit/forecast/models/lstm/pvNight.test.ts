import { describe, expect, it } from 'vitest';
import { clearSkyGhiAt } from '../../../../../src/forecast/features/solar.js';
import { LstmForecaster } from '../../../../../src/forecast/models/lstm/index.js';
import { createRng } from '../../../../../src/forecast/models/lstm/random.js';
import type { ForecastInput } from '../../../../../src/forecast/types.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);
const AT = { latitude: 52.09, longitude: 5.12 };

describe('PV LSTM at night', () => {
  it('forecasts 0 with a band of 0 for every step the sun never reaches; daylight steps keep their band', { timeout: 60_000 }, async () => {
    const rng = createRng(5);
    const n = 28 * 24;
    const values = Float64Array.from({ length: n }, (_, i) => (5 * clearSkyGhiAt(T0 + (i + 0.5) * H, AT.latitude, AT.longitude) * (0.3 + 0.7 * rng())) / 1000);
    const input: ForecastInput = { series: { startMs: T0, stepMs: H, values }, weather: {}, context: { target: 'pv', timeZone: 'Europe/Amsterdam', holidays: [], ...AT } };
    const model = new LstmForecaster({ hiddenUnits: 8, decoderUnits: 8, inputSteps: 12, horizonSteps: 48, epochs: 2, seed: 3 });
    await model.fit(input);
    const issuedAtMs = T0 + n * H;
    const f = await model.predict(input, { issuedAtMs, firstTargetMs: issuedAtMs, horizon: 48 });
    const dark = (t: number) => [0, 0.5, 1].every((k) => clearSkyGhiAt(t + k * H, AT.latitude, AT.longitude) === 0);
    const night = f.timesMs.map((t, i) => ({ t, i })).filter(({ t }) => dark(t));
    // January in Utrecht: about 15 dark hours a day.
    expect(night.length).toBeGreaterThan(25);
    for (const { i } of night) expect([f.p10[i], f.p50[i], f.p90[i]]).toEqual([0, 0, 0]);
    const noon = f.timesMs.findIndex((t) => new Date(t).getUTCHours() === 11);
    expect(f.p90[noon]!).toBeGreaterThan(0);
  });
});
