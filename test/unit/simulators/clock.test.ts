import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { delayUntilTickMs, firstTickMs, parseDurationMs, parseSpeed, parseTimeArg } from '../../../simulators/clock.js';
import { parseTimeCell, resolveLocalTime } from '../../../simulators/replay/localTime.js';

const NY = IANAZone.create('America/New_York');
const wall = (iso: string) => Date.parse(`${iso}Z`);

describe('simulated clock', () => {
  const o = { startMs: Date.UTC(2026, 0, 1, 0, 0, 30), intervalMs: 60_000, speed: 3600 };
  it('starts on a whole interval', () => {
    expect(firstTickMs(o)).toBe(Date.UTC(2026, 0, 1, 0, 1));
  });
  it('paces simulated time at `speed`, and never runs ahead of the wall clock', () => {
    const t0 = firstTickMs(o);
    const realStart = Date.UTC(2026, 5, 1); // long after: pure pacing
    expect(delayUntilTickMs(t0, o, realStart, realStart)).toBe(0);
    expect(delayUntilTickMs(t0 + 3_600_000, o, realStart, realStart)).toBe(1000); // an hour of simulated time = 1 s
    expect(delayUntilTickMs(t0 + 3_600_000, o, realStart, realStart + 400)).toBe(600);
    // Caught up with the wall clock: the next tick waits for real time.
    const now = t0 + 5000;
    expect(delayUntilTickMs(t0 + 60_000, { ...o, speed: Infinity }, now, now)).toBe(55_000);
  });
  it('parses speeds, durations and times with clear errors', () => {
    expect(parseSpeed('max')).toBe(Infinity);
    expect(parseSpeed('3600')).toBe(3600);
    expect(() => parseSpeed('0')).toThrow(/positive number/);
    expect(parseDurationMs('15s')).toBe(15_000);
    expect(parseDurationMs('7d')).toBe(604_800_000);
    expect(() => parseDurationMs('7 days')).toThrow(/not a duration/);
    expect(parseTimeArg('now-7d', 1_000_000_000_000)).toBe(1_000_000_000_000 - 604_800_000);
    expect(parseTimeArg('2026-11-15T00:00:00+01:00', 0)).toBe(Date.UTC(2026, 10, 14, 23));
    expect(() => parseTimeArg('2026-11-15T00:00:00', 0)).toThrow(/needs a UTC offset/);
  });
});

describe('local time resolution (DST)', () => {
  it('maps an ordinary local time with the right offset', () => {
    expect(resolveLocalTime(wall('2018-07-01T12:00:00'), NY)).toEqual({ ok: true, instantMs: Date.parse('2018-07-01T16:00:00Z'), ambiguous: false });
    expect(resolveLocalTime(wall('2018-01-01T12:00:00'), NY)).toEqual({ ok: true, instantMs: Date.parse('2018-01-01T17:00:00Z'), ambiguous: false });
  });
  it('reports the spring-forward gap (02:30 does not exist on 2018-03-11 in New York)', () => {
    expect(resolveLocalTime(wall('2018-03-11T02:30:00'), NY)).toEqual({ ok: false, reason: 'nonexistent' });
  });
  it('takes the first 01:00 of the fall-back day, and the second when the row before already used it', () => {
    const first = resolveLocalTime(wall('2017-11-05T01:00:00'), NY);
    expect(first).toEqual({ ok: true, instantMs: Date.parse('2017-11-05T05:00:00Z'), ambiguous: true });
    const second = resolveLocalTime(wall('2017-11-05T01:00:00'), NY, Date.parse('2017-11-05T05:00:00Z'));
    expect(second).toEqual({ ok: true, instantMs: Date.parse('2017-11-05T06:00:00Z'), ambiguous: true });
  });
  it('parses the cell formats found in the shared datasets', () => {
    expect(parseTimeCell('2018-01-01T00:00:00Z')).toEqual({ kind: 'instant', ms: Date.parse('2018-01-01T00:00:00Z') });
    expect(parseTimeCell('2018-01-01T00:00:00+0100')).toEqual({ kind: 'instant', ms: Date.parse('2017-12-31T23:00:00Z') });
    expect(parseTimeCell('2002-01-01 01:00:00')).toEqual({ kind: 'wall', wallAsUtcMs: wall('2002-01-01T01:00:00') });
    expect(parseTimeCell('16.12.2006 17:00')).toEqual({ kind: 'wall', wallAsUtcMs: wall('2006-12-16T17:00:00') });
    expect(parseTimeCell('2018-02-30 01:00:00')).toEqual({ kind: 'invalid' });
    expect(parseTimeCell('yesterday')).toEqual({ kind: 'invalid' });
  });
});
