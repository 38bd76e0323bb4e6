import { describe, expect, it } from 'vitest';
import { StoreRejectedError } from '../../../src/common/errors.js';
import { sliceInput } from '../../../src/forecast/data/series.js';
import { countsForMape, nearZeroKwFor, pointMetrics } from '../../../src/forecast/evaluation/metrics.js';
import { scoreForecastPoints, scoreStep } from '../../../src/forecast/scoring.js';
import type { ForecastInput, RegularSeries } from '../../../src/forecast/types.js';
import { validateForecastErrorPoints } from '../../../src/storage/forecasts/rules.js';
import { buildForecastErrorSelect } from '../../../src/storage/forecasts/influxql.js';
import { toForecastErrorLine } from '../../../src/storage/forecasts/lineProtocol.js';
import type { ForecastErrorPoint, ForecastPoint } from '../../../src/contract/index.js';

const H = 3_600_000;
const T = Date.UTC(2024, 0, 1);
const fc = (issuedAtMs: number, timeMs: number, p10Kw: number, p50Kw: number, p90Kw: number, model = 'lstm@v1'): ForecastPoint => ({
  site: 's',
  feeder: 'all',
  target: 'load',
  model,
  issuedAtMs,
  timeMs,
  p10Kw,
  p50Kw,
  p90Kw,
});
/** Hourly actuals from T: 12, 20, 5, NaN (a gap), 0.05, 0. */
const actuals: RegularSeries = { startMs: T, stepMs: H, values: Float64Array.from([12, 20, 5, Number.NaN, 0.05, 0]) };

describe('scoreStep: one step, numbers worked by hand', () => {
  it.each([
    // band 8–10–13. Pinball per quantile q: q·d when d = actual − forecast ≥ 0, else (q − 1)·d.
    { id: 'inside the band', actual: 12, want: { errorKw: -2, absErrorKw: 2, apePct: 100 * (2 / 12), inBand: 1, pinballKw: (0.1 * 4 + 0.5 * 2 + 0.1 * 1) / 3 } },
    { id: 'above P90', actual: 20, want: { errorKw: -10, absErrorKw: 10, apePct: 50, inBand: 0, pinballKw: (0.1 * 12 + 0.5 * 10 + 0.9 * 7) / 3 } },
    { id: 'below P10', actual: 5, want: { errorKw: 5, absErrorKw: 5, apePct: 100, inBand: 0, pinballKw: (0.9 * 3 + 0.5 * 5 + 0.1 * 8) / 3 } },
    { id: 'on P10 counts as inside', actual: 8, want: { errorKw: 2, absErrorKw: 2, apePct: 25, inBand: 1, pinballKw: (0 + 0.5 * 2 + 0.1 * 5) / 3 } },
  ])('$id', ({ actual, want }) => {
    const s = scoreStep({ p10Kw: 8, p50Kw: 10, p90Kw: 13 }, actual, 0.1);
    expect(s.actualKw).toBe(actual);
    expect(s.p50Kw).toBe(10);
    expect(s.errorKw).toBeCloseTo(want.errorKw, 12);
    expect(s.absErrorKw).toBeCloseTo(want.absErrorKw, 12);
    expect(s.apePct).toBeCloseTo(want.apePct, 12);
    expect(s.inBand).toBe(want.inBand);
    expect(s.pinballKw).toBeCloseTo(want.pinballKw, 12);
  });

  it('leaves ape out for a near-zero actual, and for a zero actual even when the bound is 0', () => {
    expect(scoreStep({ p10Kw: 0, p50Kw: 1, p90Kw: 2 }, 0.05, 0.1)).not.toHaveProperty('apePct');
    expect(scoreStep({ p10Kw: 0, p50Kw: 1, p90Kw: 2 }, 0, 0)).not.toHaveProperty('apePct');
    // At the bound it counts (|actual| ≥ bound), negative actuals by their magnitude.
    expect(scoreStep({ p10Kw: -1, p50Kw: 0, p90Kw: 1 }, -0.1, 0.1).apePct).toBeCloseTo(100, 12);
  });
});

describe('nearZeroKwFor and countsForMape: the MAPE rule shared with backtests', () => {
  it('is 1 % of the mean |value| of the history, gaps skipped; 0 without history', () => {
    expect(nearZeroKwFor([10, -20, Number.NaN, 30])).toBeCloseTo(0.2, 12);
    expect(nearZeroKwFor(new Float64Array(0))).toBe(0);
    expect(nearZeroKwFor([Number.NaN])).toBe(0);
  });

  it('skips near-zero and zero actuals', () => {
    expect(countsForMape(0.2, 0.2)).toBe(true);
    expect(countsForMape(-0.2, 0.2)).toBe(true);
    expect(countsForMape(0.19, 0.2)).toBe(false);
    expect(countsForMape(0, 0)).toBe(false);
    // pointMetrics uses the same rule: a zero actual no longer makes MAPE infinite.
    expect(pointMetrics([{ actual: 0, p10: 0, p50: 1, p90: 2 }, { actual: 4, p10: 0, p50: 5, p90: 6 }], { nearZeroKw: 0, maseScaleKw: 1 }).mapePct).toBeCloseTo(25, 12);
  });
});

describe('scoreForecastPoints', () => {
  const issue = T - 2 * H;
  const points = [
    fc(issue, T, 8, 10, 13), // lead 2, actual 12
    fc(issue, T + H, 8, 10, 13), // lead 3, actual 20
    fc(issue, T + 2 * H, 8, 10, 13), // lead 4, actual 5
    fc(issue, T + 3 * H, 8, 10, 13), // gap: not scored
    fc(issue, T + 4 * H, 0, 1, 2), // near zero: no ape
    fc(issue, T + 6 * H, 8, 10, 13), // after the series: not scored
    fc(issue, T + H / 2, 8, 10, 13), // off the step grid: not scored
  ];

  it('scores each step with an actual, under its model and issue, and leaves the rest out', () => {
    const scored = scoreForecastPoints(points, actuals, () => 0.1);
    expect(scored.map((p) => p.timeMs)).toEqual([T, T + H, T + 2 * H, T + 4 * H]);
    expect(scored[0]).toEqual({
      site: 's',
      feeder: 'all',
      target: 'load',
      model: 'lstm@v1',
      issuedAtMs: issue,
      timeMs: T,
      actualKw: 12,
      p50Kw: 10,
      errorKw: -2,
      absErrorKw: 2,
      apePct: (100 * 2) / 12,
      inBand: 1,
      pinballKw: expect.closeTo(0.5, 12) as number,
    });
    expect(scored[3]).not.toHaveProperty('apePct');
    expect(scored[3]).toMatchObject({ actualKw: 0.05, errorKw: 0.95, inBand: 1 });
  });

  it('averages to pointMetrics over the same pairs (MAE, MAPE, coverage, pinball)', () => {
    const scored = scoreForecastPoints(points, actuals, () => 0.1);
    const pairs = points.map((p) => ({ actual: actuals.values[(p.timeMs - T) / H] ?? Number.NaN, p10: p.p10Kw, p50: p.p50Kw, p90: p.p90Kw }));
    const m = pointMetrics(pairs, { nearZeroKw: 0.1, maseScaleKw: 1 });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(scored.map((p) => p.absErrorKw))).toBeCloseTo(m.maeKw, 12); // (2 + 10 + 5 + 0.95) / 4
    expect(m.maeKw).toBeCloseTo(17.95 / 4, 12);
    expect(mean(scored.flatMap((p) => (p.apePct === undefined ? [] : [p.apePct])))).toBeCloseTo(m.mapePct, 12);
    expect(mean(scored.map((p) => p.inBand))).toBeCloseTo(m.coverageP10P90, 12); // 2 of 4
    expect(mean(scored.map((p) => p.pinballKw))).toBeCloseTo(m.pinballKw, 12);
  });

  it('takes MAPE’s bound per issue time', () => {
    const early = fc(T - 3 * H, T + 4 * H, 0, 1, 2, 'a');
    const late = fc(T - 2 * H, T + 4 * H, 0, 1, 2, 'b');
    const scored = scoreForecastPoints([early, late], actuals, (issuedAtMs) => (issuedAtMs === early.issuedAtMs ? 0.01 : 1));
    expect(scored.map((p) => [p.model, p.apePct])).toEqual([
      ['a', expect.closeTo(1900, 9)],
      ['b', undefined],
    ]);
  });

  it('keeps one point per model, lead and step: the later issue, as forecast storage does', () => {
    // Issued 10:40 and 11:05 for 18:00: both round to lead 7.
    const at = T + 4 * H;
    const first = fc(at - 7 * H - 20 * 60_000, at, 0, 1, 2);
    const second = fc(at - 7 * H + 5 * 60_000, at, 0, 3, 4);
    expect(scoreForecastPoints([second, first], actuals, () => 0).map((p) => p.issuedAtMs)).toEqual([second.issuedAtMs]);
    expect(scoreForecastPoints([first, second], actuals, () => 0).map((p) => p.issuedAtMs)).toEqual([second.issuedAtMs]);
    // Another model, or another lead, is another point; sorted by step, issue, model.
    const other = { ...first, model: 'baseline' };
    const earlierLead = fc(at - 9 * H, at, 0, 1, 2);
    expect(scoreForecastPoints([second, other, earlierLead], actuals, () => 0).map((p) => [p.model, p.issuedAtMs])).toEqual([
      ['lstm@v1', earlierLead.issuedAtMs],
      ['baseline', first.issuedAtMs],
      ['lstm@v1', second.issuedAtMs],
    ]);
  });
});

describe('sliceInput: the history a forecast issued at a given time saw', () => {
  it('keeps the steps from `fromMs` that ended by `untilMs`, weather alike', () => {
    const input: ForecastInput = {
      series: { startMs: T, stepMs: H, values: Float64Array.from([0, 1, 2, 3, 4, 5]) },
      weather: { temperatureC: Float64Array.from([10, 11, 12, 13, 14, 15]) },
      context: { target: 'load', timeZone: 'UTC', holidays: [] },
    };
    // Issued at 04:30: the step 04:00–05:00 hasn't ended; history from 01:00.
    const s = sliceInput(input, T + H, T + 4.5 * H);
    expect(s.series.startMs).toBe(T + H);
    expect(Array.from(s.series.values)).toEqual([1, 2, 3]);
    expect(Array.from(s.weather.temperatureC!)).toEqual([11, 12, 13]);
    // A start before the series keeps all of it; a start off the grid begins at the next step.
    expect(Array.from(sliceInput(input, T - 5 * H, T + 2 * H).series.values)).toEqual([0, 1]);
    expect(sliceInput(input, T + 0.5 * H, T + 2 * H).series.startMs).toBe(T + H);
  });
});

describe('forecast_error storage format', () => {
  const point: ForecastErrorPoint = {
    site: 'north site',
    feeder: 'f,1=a',
    target: 'pv',
    model: 'lstm@20240101T000000Z',
    issuedAtMs: T,
    timeMs: T + 6 * H,
    actualKw: 12.5,
    p50Kw: 10,
    errorKw: -2.5,
    absErrorKw: 2.5,
    apePct: 20,
    inBand: 1,
    pinballKw: 0.75,
  };

  it('writes one line: tags sorted and escaped, float fields in name order, ape_pct only when present', () => {
    const [lead] = validateForecastErrorPoints([point]);
    expect(lead).toBe(6);
    expect(toForecastErrorLine(point, lead!)).toBe(
      'forecast_error,feeder=f\\,1\\=a,lead=6,model=lstm@20240101T000000Z,site=north\\ site,target=pv ' +
        `abs_error_kw=2.5,actual_kw=12.5,ape_pct=20,error_kw=-2.5,in_band=1,issued_at_ms=${T},p50_kw=10,pinball_kw=0.75 ${T + 6 * H}`,
    );
    const { apePct: _, ...noApe } = point;
    expect(toForecastErrorLine(noApe, 6)).not.toContain('ape_pct');
  });

  it('refuses bad points whole-batch with StoreRejectedError', () => {
    for (const over of [
      { site: '' },
      { feeder: 'a\\' },
      { model: 'a\nb' },
      { target: 'heat' as 'pv' },
      { timeMs: T + 0.5 },
      { timeMs: T - H }, // lead -1
      { timeMs: T + 169 * H }, // lead 169
      { actualKw: Number.NaN },
      { errorKw: Number.POSITIVE_INFINITY },
      { apePct: Number.NaN },
      { inBand: 0.5 as 1 },
    ]) {
      expect(() => validateForecastErrorPoints([point, { ...point, ...over }]), JSON.stringify(over)).toThrow(StoreRejectedError);
    }
    expect(validateForecastErrorPoints([{ ...point, timeMs: T + 168 * H }])).toEqual([168]);
  });

  it('reads with every value escaped', () => {
    const q = buildForecastErrorSelect({ site: `x' OR '1'='1`, feeder: 'all', target: 'load', fromMs: T, toMs: T + H }, '"db".."forecast_error"');
    expect(q).toContain(`"site" = 'x\\' OR \\'1\\'=\\'1'`);
    expect(q).toMatch(/GROUP BY "model", "lead"$/);
  });
});
