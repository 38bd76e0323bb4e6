import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { parseTelemetryMessage } from '../../../src/ingest/parse.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const topic = 'gridcast/v1/siteA/feeder1/meter-7/telemetry';
const opts = { nowMs: NOW, maxAgeMs: 5 * 366 * 24 * 3_600_000 };
const parse = (payload: string, o: Parameters<typeof parseTelemetryMessage>[2] = opts) => parseTelemetryMessage(topic, Buffer.from(payload), o);

describe('parseTelemetryMessage: inputs that used to escape or mislead validation', () => {
  it('refuses a 5,000-deep array (10 kB) as a shape error instead of overflowing the stack', () => {
    const d = 5000;
    for (const payload of ['['.repeat(d) + ']'.repeat(d), `[${'{"a":'.repeat(d)}1${'}'.repeat(d)}]`, '['.repeat(200_000)]) {
      const r = parse(payload);
      expect(r.points).toEqual([]);
      expect(r.rejections.map((x) => x.reason)).toEqual(['invalid_payload_shape']);
      expect(r.rejections[0]!.detail).toMatch(/more than 8 levels deep/);
    }
    // Brackets inside strings don't count.
    expect(parse(JSON.stringify({ ts: NOW, kind: 'load', powerKw: 1, x: '['.repeat(100) })).rejections[0]?.reason).toBe('unknown_field');
  });

  it.each([
    ['2026-11-31T00:00:00Z', /day 31 does not exist in 2026-11 \(it has 30 days\)/],
    ['2026-02-30T00:00:00Z', /day 30 does not exist in 2026-02 \(it has 28 days\)/],
    ['2025-02-29T00:00:00+01:00', /day 29 does not exist in 2025-02/],
    ['2026-13-01T00:00:00Z', /month 13 does not exist/],
    ['2026-11-22T24:00:00Z', /time of day 24:00:00 does not exist/],
    ['2026-11-22T10:61:00Z', /time of day/],
    ['2026-11-22T10:00:00+25:00', /offset \+25:00 does not exist/],
  ])('refuses the impossible date-time %s as invalid_field, never rolling it over', (ts, detail) => {
    const r = parse(JSON.stringify({ ts, kind: 'load', powerKw: 1 }));
    expect(r.points).toEqual([]);
    expect(r.rejections.map((x) => x.reason)).toEqual(['invalid_field']);
    expect(r.rejections[0]!.detail).toMatch(detail);
  });

  it('accepts real edge dates: 29 February of a leap year, 31 December, 23:59:59', () => {
    for (const ts of ['2024-02-29T12:00:00Z', '2025-12-31T23:59:59.999+01:00', '2026-11-30T00:00:00Z']) {
      expect(parse(JSON.stringify({ ts, kind: 'load', powerKw: 1 })).points.map((p) => p.timeMs)).toEqual([Date.parse(ts)]);
    }
  });

  it('dead-letters powerKw beyond the bound of its kind as implausible_value (1e308 by default, a 150 GW system total passes)', () => {
    const { ingest } = loadConfig({});
    const o = { ...opts, powerLimitsKw: ingest.powerLimitsKw };
    const r = parse(JSON.stringify([{ ts: NOW, kind: 'load', powerKw: 1e308 }, { ts: NOW, kind: 'pv', powerKw: -2e10 }, { ts: NOW, kind: 'load', powerKw: 150e6 }]), o);
    expect(r.points.map((p) => p.fields.power_kw)).toEqual([150e6]);
    expect(r.rejections.map((x) => [x.index, x.reason])).toEqual([
      [0, 'implausible_value'],
      [1, 'implausible_value'],
    ]);
    expect(r.rejections[0]!.detail).toMatch(/beyond the ±10000000000 kW believed for kind 'load'/);

    const perKind = loadConfig({ INGEST_POWER_LIMITS_KW: 'load=50, battery=200' }).ingest.powerLimitsKw;
    expect(perKind).toEqual({ load: 50, battery: 200 });
    const r2 = parse(JSON.stringify([{ ts: NOW, kind: 'load', powerKw: 51 }, { ts: NOW, kind: 'pv', powerKw: 1e9 }, { ts: NOW, kind: 'battery', powerKw: -199 }]), { ...opts, powerLimitsKw: perKind });
    expect(r2.rejections.map((x) => x.index)).toEqual([0]);
    expect(r2.points.map((p) => p.kind)).toEqual(['pv', 'battery']);
  });

  it('refuses a malformed INGEST_POWER_LIMITS_KW at start', () => {
    for (const bad of ['load=', 'coal=5', 'load=-1', 'x', 'load=5=6']) {
      expect(() => loadConfig({ INGEST_POWER_LIMITS_KW: bad }), bad).toThrow(/INGEST_POWER_LIMITS_KW/);
    }
  });
});
