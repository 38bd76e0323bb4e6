import { describe, expect, it } from 'vitest';
import { parseTelemetryMessage, type RejectReason } from '../../../src/ingest/parse.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const opts = { nowMs: NOW, maxAgeMs: 7 * 24 * 3_600_000 };
const topic = 'gridcast/v1/siteA/feeder1/meter-7/telemetry';
const parse = (payload: string | Buffer, t = topic) => parseTelemetryMessage(t, Buffer.isBuffer(payload) ? payload : Buffer.from(payload), opts);

describe('parseTelemetryMessage', () => {
  it('maps one reading to a point with tags from the topic and snake_case fields', () => {
    const r = parse(JSON.stringify({ ts: '2026-11-22T12:00:00+01:00', kind: 'load', powerKw: 3.5, voltageV: 231.2, energyKwh: 1.25 }));
    expect(r.rejections).toEqual([]);
    expect(r.points).toEqual([
      {
        site: 'siteA',
        feeder: 'feeder1',
        meter: 'meter-7',
        kind: 'load',
        timeMs: Date.parse('2026-11-22T11:00:00Z'),
        fields: { power_kw: 3.5, voltage_v: 231.2, energy_kwh: 1.25 },
      },
    ]);
  });

  it('accepts epoch milliseconds and weather readings without powerKw', () => {
    const r = parse(JSON.stringify({ ts: NOW - 1000, kind: 'weather', temperatureC: -3.5, windSpeedMs: 7 }));
    expect(r.points[0]).toMatchObject({ timeMs: NOW - 1000, kind: 'weather', fields: { temperature_c: -3.5, wind_speed_ms: 7 } });
  });

  it('keeps the good readings of an array and reports each bad one with its index', () => {
    const r = parse(
      JSON.stringify([
        { ts: NOW, kind: 'pv', powerKw: 1 },
        { ts: NOW, kind: 'pv' },
        { ts: NOW, kind: 'pv', powerKw: 2 },
        { ts: NOW, kind: 'nuclear', powerKw: 2 },
      ]),
    );
    expect(r.points.map((p) => p.fields.power_kw)).toEqual([1, 2]);
    expect(r.rejections.map((x) => [x.index, x.reason])).toEqual([
      [1, 'missing_field'],
      [3, 'invalid_field'],
    ]);
    expect(JSON.parse(r.rejections[0]!.payload.toString())).toEqual({ ts: NOW, kind: 'pv' });
  });

  it('reads bare NaN/Infinity tokens, rejecting only the readings that hold them', () => {
    const r = parse(`[{"ts": ${NOW}, "kind": "load", "powerKw": NaN}, {"ts": ${NOW}, "kind": "load", "powerKw": 4, "note": "NaN"}, {"ts": ${NOW}, "kind": "load", "powerKw": 5}]`);
    expect(r.points.map((p) => p.fields.power_kw)).toEqual([5]);
    expect(r.rejections.map((x) => x.reason)).toEqual(['non_finite_value', 'unknown_field']);
    expect(r.rejections[0]!.payload.toString()).toContain('"powerKw":"NaN"');
  });

  it('treats a number that overflows to Infinity as non-finite', () => {
    expect(parse(`{"ts": ${NOW}, "kind": "load", "powerKw": 1e999}`).rejections[0]!.reason).toBe('non_finite_value');
  });

  it('hints that a seconds timestamp is not milliseconds', () => {
    const r = parse(JSON.stringify({ ts: Math.floor(NOW / 1000), kind: 'load', powerKw: 1 }));
    expect(r.rejections[0]!.reason).toBe('timestamp_too_old');
    expect(r.rejections[0]!.detail).toMatch(/looks like seconds/);
  });

  it('accepts 4:59 in the future and rejects 5:01', () => {
    expect(parse(JSON.stringify({ ts: NOW + 299_000, kind: 'load', powerKw: 1 })).points).toHaveLength(1);
    expect(parse(JSON.stringify({ ts: NOW + 301_000, kind: 'load', powerKw: 1 })).rejections[0]!.reason).toBe('timestamp_in_future');
  });

  const bad: [string, string | Buffer, RejectReason, string?][] = [
    ['not JSON', 'hello', 'invalid_json'],
    ['truncated JSON', '{"ts": 1', 'invalid_json'],
    ['a bare number', '42', 'invalid_payload_shape'],
    ['an empty array', '[]', 'invalid_payload_shape'],
    ['over 256 KiB', Buffer.alloc(256 * 1024 + 1, 32), 'payload_too_large'],
    ['over 1,000 readings', JSON.stringify(Array.from({ length: 1001 }, () => ({ ts: NOW, kind: 'load', powerKw: 1 }))), 'too_many_readings'],
    ['no ts', JSON.stringify({ kind: 'load', powerKw: 1 }), 'missing_field'],
    ['no kind', JSON.stringify({ ts: NOW, powerKw: 1 }), 'missing_field'],
    ['powerKw as string', JSON.stringify({ ts: NOW, kind: 'load', powerKw: '3.2' }), 'invalid_field'],
    ['ISO without offset', JSON.stringify({ ts: '2026-11-22T12:00:00', kind: 'load', powerKw: 1 }), 'invalid_field'],
    ['fractional epoch ms', JSON.stringify({ ts: NOW + 0.5, kind: 'load', powerKw: 1 }), 'invalid_field'],
    ['socPct over 100', JSON.stringify({ ts: NOW, kind: 'battery', powerKw: 1, socPct: 101 }), 'invalid_field'],
    ['empty weather', JSON.stringify({ ts: NOW, kind: 'weather' }), 'missing_field'],
    ['unknown field', JSON.stringify({ ts: NOW, kind: 'load', powerKw: 1, reactiveKvar: 2 }), 'unknown_field'],
    ['8 days old', JSON.stringify({ ts: NOW - 8 * 86_400_000, kind: 'load', powerKw: 1 }), 'timestamp_too_old'],
    ['bad topic shape', JSON.stringify({ ts: NOW, kind: 'load', powerKw: 1 }), 'invalid_topic', 'gridcast/v1/a/b/telemetry'],
    ['bad topic character', JSON.stringify({ ts: NOW, kind: 'load', powerKw: 1 }), 'invalid_topic', 'gridcast/v1/a.b/f/m/telemetry'],
    ['topic segment of 65 chars', JSON.stringify({ ts: NOW, kind: 'load', powerKw: 1 }), 'invalid_topic', `gridcast/v1/${'s'.repeat(65)}/f/m/telemetry`],
  ];
  it.each(bad)('rejects %s as %s', (_name, payload, reason, t) => {
    const r = parse(payload, t);
    expect(r.points).toEqual([]);
    expect(r.rejections).toHaveLength(1);
    expect(r.rejections[0]!.reason).toBe(reason);
    expect(r.rejections[0]!.detail.length).toBeGreaterThan(10);
  });
});
