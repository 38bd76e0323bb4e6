import { describe, expect, it } from 'vitest';
import { isLoopbackAddress } from '../../../src/api/auth/authenticate.js';
import { scopeAllows } from '../../../src/api/auth/scopes.js';
import { ResponseCache } from '../../../src/api/cache.js';
import { toCsv } from '../../../src/api/csv.js';
import { resolutionParam, timeParam } from '../../../src/api/params.js';
import { combineSeries, formatDuration } from '../../../src/api/routes/telemetry.js';

describe('API pure parts', () => {
  it('CSV: RFC 4180 quoting, empty cells for missing values, formula-like text defused, numbers untouched', () => {
    const csv = toCsv({ columns: ['name', 'value', 'note'], rows: [['m,1', -2.5, 'say "hi"'], ['=SUM(A1)', null, 'a\nb'], ['-x', 3, undefined], ['+1', Number.NaN, true]] });
    expect(csv).toBe('name,value,note\r\n"m,1",-2.5,"say ""hi"""\r\n\'=SUM(A1),,"a\nb"\r\n\'-x,3,\r\n\'+1,,true\r\n');
  });

  it.each([
    ['2026-11-22T10:00:00Z', Date.parse('2026-11-22T10:00:00Z')],
    ['2026-11-22T11:00:00+01:00', Date.parse('2026-11-22T10:00:00Z')],
    ['1795338000000', 1795338000000],
    ['now', 1_000_000_000],
    ['now-24h', 1_000_000_000 - 86_400_000],
    ['now+90m', 1_000_000_000 + 5_400_000],
    ['now 2d', 1_000_000_000 + 2 * 86_400_000],
  ])('time %s', (text, ms) => {
    expect(timeParam('t', () => 1_000_000_000).parse(text)).toBe(ms);
  });

  it.each(['2026-11-22T10:00:00', 'yesterday', 'now-1y', '1.5', "x' OR '1'='1", ''])('refuses the time %j', (text) => {
    expect(timeParam('t').safeParse(text).success).toBe(false);
  });

  it('resolutions: 1 s to 31 d, a whole number and a unit; formatted back in the largest whole unit', () => {
    expect(resolutionParam.parse('15m')).toBe(900_000);
    expect(resolutionParam.parse(undefined)).toBe(3_600_000);
    for (const bad of ['0s', '500ms', '32d', '1h30m', '-1h', '1H']) expect(resolutionParam.safeParse(bad).success, bad).toBe(false);
    expect([86_400_000, 7_200_000, 900_000, 5_000].map(formatDuration)).toEqual(['1d', '2h', '15m', '5s']);
  });

  it('combineSeries adds (or averages) per bucket across the series of each group', () => {
    const s = (meter: string, kind: string, values: [number, number][]) => ({ tags: { site: 's', feeder: 'f', meter, kind }, points: values.map(([timeMs, value]) => ({ timeMs, value })) });
    const series = [s('a', 'load', [[0, 1], [10, 2]]), s('b', 'load', [[10, 3], [20, 4]]), s('c', 'pv', [[0, 5]])];
    expect(combineSeries(series, ['site'], 'sum')).toEqual([{ tags: { site: 's' }, points: [{ timeMs: 0, value: 6 }, { timeMs: 10, value: 5 }, { timeMs: 20, value: 4 }] }]);
    expect(combineSeries(series, ['kind'], 'mean').map((g) => [g.tags.kind, g.points.map((p) => p.value)])).toEqual([
      ['load', [1, 2.5, 4]],
      ['pv', [5]],
    ]);
  });

  it('scopes nest read ⊂ operate ⊂ admin; loopback is 127/8 and ::1 only', () => {
    expect(scopeAllows('admin', 'operate')).toBe(true);
    expect(scopeAllows('operate', 'read')).toBe(true);
    expect(scopeAllows('read', 'operate')).toBe(false);
    expect(scopeAllows('operate', 'admin')).toBe(false);
    expect(['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1'].every(isLoopbackAddress)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::', '::ffff:10.0.0.1', '128.0.0.1', undefined].some(isLoopbackAddress)).toBe(false);
  });

  it('cache: fresh for its lifetime, then stale for one more, then gone; a write clears it, and an answer read before a write is not kept', () => {
    const cache = new ResponseCache(1000, 2);
    const answer = { status: 200, contentType: 'application/json', body: '{}' };
    cache.set('forecast', 'a', answer, cache.generation('forecast'), 0);
    expect(cache.get('forecast', 'a', 999)).toEqual({ answer: expect.objectContaining(answer), stale: false });
    expect(cache.get('forecast', 'a', 1000)?.stale).toBe(true);
    expect(cache.get('forecast', 'a', 2000)).toBeUndefined();
    const before = cache.generation('forecast');
    cache.set('forecast', 'b', answer, before, 0);
    cache.invalidate('forecast');
    expect(cache.get('forecast', 'b', 1)).toBeUndefined();
    cache.set('forecast', 'c', answer, before, 1); // computed before the write: dropped
    expect(cache.get('forecast', 'c', 2)).toBeUndefined();
    cache.set('dispatch', 'x', answer, cache.generation('dispatch'), 0);
    cache.set('dispatch', 'y', answer, cache.generation('dispatch'), 0);
    cache.set('dispatch', 'z', answer, cache.generation('dispatch'), 0); // full: the oldest goes
    expect([cache.get('dispatch', 'x', 1), cache.get('dispatch', 'y', 1), cache.get('dispatch', 'z', 1)].map(Boolean)).toEqual([false, true, true]);
    expect(new ResponseCache(0).enabled).toBe(false);
  });
});
