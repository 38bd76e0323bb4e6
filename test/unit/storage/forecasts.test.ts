import { describe, expect, it } from 'vitest';
import { InvalidQueryError, StoreRejectedError } from '../../../src/common/errors.js';
import { forecastLeadHours, storedNameProblem, type ForecastPoint } from '../../../src/contract/index.js';
import { latestPerTime, validateForecastPoints, validateForecastQuery } from '../../../src/storage/forecasts/rules.js';
import { buildForecastSelect } from '../../../src/storage/forecasts/influxql.js';
import { toForecastLine } from '../../../src/storage/forecasts/lineProtocol.js';
import { buildLockSelect } from '../../../src/storage/locks/influxql.js';
import { toLockLine } from '../../../src/storage/locks/lineProtocol.js';
import { validateLockArgs } from '../../../src/storage/locks/rules.js';

const H = 3_600_000;
const T = Date.UTC(2024, 0, 1);
const fc = (issuedAtMs: number, timeMs: number, over: Partial<ForecastPoint> = {}): ForecastPoint => ({
  site: 's',
  feeder: 'all',
  target: 'load',
  model: 'm',
  issuedAtMs,
  timeMs,
  p10Kw: 1,
  p50Kw: 2,
  p90Kw: 3,
  ...over,
});

describe('latestPerTime', () => {
  const points = [fc(T + H, T + 2 * H), fc(T, T + 2 * H), fc(T, T + H), fc(T + 2 * H, T + 3 * H)];

  it('keeps the latest issue per target time, sorted by time', () => {
    expect(latestPerTime(points)).toEqual([fc(T, T + H), fc(T + H, T + 2 * H), fc(T + 2 * H, T + 3 * H)]);
  });

  it('ignores issues after asOfMs (inclusive bound)', () => {
    expect(latestPerTime(points, T + H)).toEqual([fc(T, T + H), fc(T + H, T + 2 * H)]);
    expect(latestPerTime(points, T + H - 1)).toEqual([fc(T, T + H), fc(T, T + 2 * H)]);
    expect(latestPerTime(points, T - 1)).toEqual([]);
    expect(latestPerTime([])).toEqual([]);
  });

  it('breaks a tie in issue time by model name, whatever the input order', () => {
    const a = fc(T, T + H, { model: 'a' });
    const b = fc(T, T + H, { model: 'b' });
    expect(latestPerTime([b, a])).toEqual([a]);
    expect(latestPerTime([a, b])).toEqual([a]);
  });
});

describe('forecast validation', () => {
  it('rounds the lead to whole hours, never -0', () => {
    expect(forecastLeadHours({ issuedAtMs: T, timeMs: T + 12 * H + 29 * 60_000 })).toBe(12);
    expect(forecastLeadHours({ issuedAtMs: T, timeMs: T + 12 * H + 30 * 60_000 })).toBe(13);
    expect(Object.is(forecastLeadHours({ issuedAtMs: T + 20 * 60_000, timeMs: T }), 0)).toBe(true);
  });

  it('returns leads and refuses bad points with StoreRejectedError', () => {
    expect(validateForecastPoints([fc(T, T), fc(T, T + 168 * H)])).toEqual([0, 168]);
    for (const bad of [
      fc(T, T + 169 * H),
      fc(T, T - H),
      fc(T, T, { p10Kw: 2.5 }),
      fc(T, T, { p90Kw: 1.5 }),
      fc(T, T, { p50Kw: Number.NaN }),
      fc(T, T, { model: '' }),
      fc(T, T, { feeder: 'a\\' }),
      fc(T, T, { site: 'a\nb' }),
      fc(T, T, { target: 'heat' as 'load' }),
      fc(T + 0.5, T),
    ]) {
      expect(() => validateForecastPoints([bad])).toThrow(StoreRejectedError);
    }
    // Equal quantiles are in order.
    expect(validateForecastPoints([fc(T, T, { p10Kw: 2, p90Kw: 2 })])).toEqual([0]);
  });

  it('refuses bad queries and lock arguments with InvalidQueryError', () => {
    const q = { site: 's', feeder: 'all', target: 'load', fromMs: T, toMs: T + H } as const;
    expect(() => validateForecastQuery(q)).not.toThrow();
    expect(() => validateForecastQuery({ ...q, asOfMs: T })).not.toThrow();
    for (const bad of [{ site: '' }, { feeder: 'x\\' }, { target: 'x' }, { toMs: T }, { fromMs: 0.5 }, { asOfMs: Number.NaN }]) {
      expect(() => validateForecastQuery({ ...q, ...bad } as typeof q)).toThrow(InvalidQueryError);
    }
    expect(() => validateLockArgs('train', 'host-1', 1000)).not.toThrow();
    expect(() => validateLockArgs('train', '', 1000)).toThrow(InvalidQueryError);
    expect(() => validateLockArgs('train', 'a', -1)).toThrow(InvalidQueryError);
    expect(storedNameProblem(`x' OR '1'='1`)).toBeUndefined();
  });
});

describe('forecast InfluxQL and line protocol', () => {
  it('escapes every value and compares issued_at_ms numerically', () => {
    const q = buildForecastSelect({ site: `s' OR 1=1`, feeder: 'f"', target: 'pv', fromMs: T, toMs: T + H, asOfMs: T - 1 }, '"db".."forecast"');
    expect(q).toBe(
      `SELECT "p10_kw", "p50_kw", "p90_kw", "issued_at_ms", "band_scale_lower", "band_scale_upper" FROM "db".."forecast" WHERE "site" = 's\\' OR 1=1' AND "feeder" = 'f"' ` +
        `AND "target" = 'pv' AND time >= ${T}ms AND time < ${T + H}ms AND "issued_at_ms" <= ${T - 1} GROUP BY "model", "lead"`,
    );
    expect(buildLockSelect(`a'b`, '"db".."lock"', 5)).toBe(`SELECT "holder", "expires_at_ms" FROM "db".."lock" WHERE "name" = 'a\\'b' AND time >= 5ms AND time <= 5ms`);
  });

  it('writes forecast points with sorted tags, the lead as a tag and float fields', () => {
    expect(toForecastLine(fc(T, T + 2 * H, { site: 'a b', feeder: 'x,y', model: 'k=v' }), 2)).toBe(
      `forecast,feeder=x\\,y,lead=2,model=k\\=v,site=a\\ b,target=load band_scale_lower=1,band_scale_upper=1,issued_at_ms=${T},p10_kw=1,p50_kw=2,p90_kw=3 ${T + 2 * H}`,
    );
    // A re-scaled band's factors are written; 1 stands for "not re-scaled", so a re-issue overwrites an old scale.
    expect(toForecastLine({ ...fc(T, T + 2 * H), bandScaleLower: 1.5, bandScaleUpper: 0.75 }, 2)).toContain('band_scale_lower=1.5,band_scale_upper=0.75,issued_at_ms=');
    expect(toLockLine('train', 'host "1"', 0)).toMatch(/^lock,name=train expires_at_ms=0,holder="host \\"1\\"" \d+$/);
  });
});
