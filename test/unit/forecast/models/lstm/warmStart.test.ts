import { describe, expect, it } from 'vitest';
import { LstmForecaster } from '../../../../../src/forecast/models/lstm/index.js';
import type { ForecastInput } from '../../../../../src/forecast/types.js';

const H = 3_600_000;
function seasonal(days: number): ForecastInput {
  const values = Float64Array.from({ length: days * 24 }, (_, i) => 50 + 20 * Math.sin(((i % 24) / 24) * 2 * Math.PI) + (Math.floor(i / 24) % 7 >= 5 ? -10 : 0));
  return { series: { startMs: Date.UTC(2026, 0, 5), stepMs: H, values }, weather: {}, context: { target: 'load', timeZone: 'UTC', holidays: [] } };
}

/** The saved weights as numbers (float32), to compare two models parameter by parameter. */
async function weightsOf(f: LstmForecaster): Promise<Float32Array> {
  const { weightData } = await f.save();
  return new Float32Array(weightData.buffer, weightData.byteOffset, weightData.byteLength / 4).slice();
}

function distance(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(sum);
}

describe('LSTM warm-start refits', () => {
  it('a refit continues from the learned weights for warmStartEpochs, keeping the scalers; a cold model starts over', { timeout: 90_000 }, async () => {
    const losses: number[] = [];
    const hp = { epochs: 3, hiddenUnits: 8, decoderUnits: 8 };
    const f = new LstmForecaster({ ...hp, warmStartEpochs: 1, onEpoch: (p) => void losses.push(p.loss) });
    const first = seasonal(30);
    await f.fit(first);
    const scalers = (await f.save()).metadata.scalers;
    const learned = await weightsOf(f);
    expect(f.trainingSummary?.epochsRun).toBe(3);
    const firstFitLosses = losses.splice(0);

    // Same data again: a warm refit starts where the first fit ended, so its one epoch is about as good as the
    // first fit's last one, and clearly better than a cold model's first epoch.
    await f.fit(first);
    expect(f.trainingSummary?.epochsRun).toBe(1);
    const warmLoss = losses.splice(0)[0]!;
    expect(warmLoss).toBeLessThan(firstFitLosses[0]!);
    expect(warmLoss).toBeLessThan(firstFitLosses.at(-1)! * 1.15);
    const afterWarm = await weightsOf(f);

    const later: ForecastInput = { ...first, series: { ...first.series, values: first.series.values.map((v) => v * 2) } };
    await f.fit(later);
    expect(f.trainingSummary?.epochsRun).toBe(1);
    expect((await f.save()).metadata.scalers).toEqual(scalers);

    const coldLosses: number[] = [];
    const cold = new LstmForecaster({ ...hp, warmStartEpochs: 0, onEpoch: (p) => void coldLosses.push(p.loss) });
    await cold.fit(first);
    const coldWeights = await weightsOf(cold);
    await cold.fit(later);
    expect(cold.trainingSummary?.epochsRun).toBe(3);
    expect((await cold.save()).metadata.scalers).not.toEqual(scalers);
    // A cold refit starts over: fresh weights from the same seed on `later`, which its new scalers map onto
    // exactly the scaled values of `first`, so it lands on the very same weights (training is deterministic).
    // The warm refit on the same data moved on from what it had learned instead.
    expect(distance(await weightsOf(cold), coldWeights)).toBe(0);
    expect(distance(coldWeights, learned)).toBe(0);
    expect(distance(afterWarm, learned)).toBeGreaterThan(0);
    expect(warmLoss).toBeLessThan(coldLosses[0]!);
  });
});
