import { describe, expect, it } from 'vitest';
import { LstmForecaster } from '../../../../../src/forecast/models/lstm/index.js';
import type { ForecastInput } from '../../../../../src/forecast/types.js';

const H = 3_600_000;
function seasonal(days: number): ForecastInput {
  const values = Float64Array.from({ length: days * 24 }, (_, i) => 50 + 20 * Math.sin(((i % 24) / 24) * 2 * Math.PI) + (Math.floor(i / 24) % 7 >= 5 ? -10 : 0));
  return { series: { startMs: Date.UTC(2026, 0, 5), stepMs: H, values }, weather: {}, context: { target: 'load', timeZone: 'UTC', holidays: [] } };
}

describe('LSTM warm-start refits', () => {
  it('a refit continues from the learned weights for warmStartEpochs, keeping the scalers; a cold model starts over', { timeout: 60_000 }, async () => {
    const f = new LstmForecaster({ epochs: 3, warmStartEpochs: 1, hiddenUnits: 8, decoderUnits: 8 });
    const first = seasonal(30);
    await f.fit(first);
    const scalers = (await f.save()).metadata.scalers;
    expect(f.trainingSummary?.epochsRun).toBe(3);
    const later: ForecastInput = { ...first, series: { ...first.series, values: first.series.values.map((v) => v * 2) } };
    await f.fit(later);
    expect(f.trainingSummary?.epochsRun).toBe(1);
    expect((await f.save()).metadata.scalers).toEqual(scalers);
    const cold = new LstmForecaster({ epochs: 3, warmStartEpochs: 0, hiddenUnits: 8, decoderUnits: 8 });
    await cold.fit(first);
    await cold.fit(later);
    expect(cold.trainingSummary?.epochsRun).toBe(3);
    expect((await cold.save()).metadata.scalers).not.toEqual(scalers);
  });
});
