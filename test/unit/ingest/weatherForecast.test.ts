import { describe, expect, it } from 'vitest';
import type { RejectReason } from '../../../src/ingest/parse.js';
import { parseWeatherForecastMessage } from '../../../src/ingest/weatherForecast.js';

const NOW = Date.parse('2026-11-22T12:10:00Z');
const H = 3_600_000;
const ISSUED = Date.parse('2026-11-22T12:00:00Z');
const topic = 'gridcast/v1/north/weather-forecast';
const parse = (payload: unknown, t = topic) =>
  parseWeatherForecastMessage(t, Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)), { nowMs: NOW });
const hour = (h: number, over: Record<string, unknown> = {}) => ({ ts: ISSUED + h * H, temperatureC: 4.5 + h / 10, ...over });

describe('parseWeatherForecastMessage', () => {
  it('maps every hour to a stored point: site from the topic, stored names, ISO times with offsets', () => {
    const r = parse({
      issuedAt: '2026-11-22T13:00:00+01:00',
      source: 'meteo-vendor',
      hours: [
        { ts: '2026-11-22T13:00:00+01:00', temperatureC: -2.25, ghiWm2: 120.5, directWm2: 80, diffuseWm2: 40.5, cloudCoverPct: 62, windSpeed10mMs: 4.1, windSpeed100mMs: 9.75, windDirection100mDeg: 225 },
        { ts: ISSUED + H, windSpeed100mMs: 10 },
      ],
    });
    expect(r).toEqual({
      ok: true,
      points: [
        {
          site: 'north',
          source: 'meteo-vendor',
          issuedAtMs: ISSUED,
          timeMs: ISSUED,
          values: { temperature_c: -2.25, ghi_wm2: 120.5, direct_wm2: 80, diffuse_wm2: 40.5, cloud_cover_pct: 62, wind_speed_10m_ms: 4.1, wind_speed_100m_ms: 9.75, wind_direction_100m_deg: 225 },
        },
        { site: 'north', source: 'meteo-vendor', issuedAtMs: ISSUED, timeMs: ISSUED + H, values: { wind_speed_100m_ms: 10 } },
      ],
    });
  });

  it('defaults the source to mqtt and takes 169 hours (leads 0–168)', () => {
    const r = parse({ issuedAt: ISSUED, hours: Array.from({ length: 169 }, (_, h) => hour(h)) });
    expect(r.ok && r.points.length).toBe(169);
    expect(r.ok && r.points[0]!.source).toBe('mqtt');
  });

  const cases: [string, RejectReason, unknown, string?][] = [
    ['a topic of another shape', 'invalid_topic', { issuedAt: ISSUED, hours: [hour(0)] }, 'gridcast/v1/north/x/weather-forecast'],
    ['a site with other characters', 'invalid_topic', { issuedAt: ISSUED, hours: [hour(0)] }, 'gridcast/v1/no rth/weather-forecast'],
    ['not JSON', 'invalid_json', 'not json'],
    ['a bare NaN', 'invalid_json', `{"issuedAt": ${ISSUED}, "hours": [{"ts": ${ISSUED}, "temperatureC": NaN}]}`],
    ['an array', 'invalid_payload_shape', [{ issuedAt: ISSUED, hours: [hour(0)] }]],
    ['over 256 KiB', 'payload_too_large', 'x'.repeat(256 * 1024 + 1)],
    ['170 hours', 'too_many_readings', { issuedAt: ISSUED, hours: Array.from({ length: 170 }, (_, h) => hour(h - 1)) }],
    ['no issuedAt', 'missing_field', { hours: [hour(0)] }],
    ['no hours', 'missing_field', { issuedAt: ISSUED }],
    ['an hour without ts', 'missing_field', { issuedAt: ISSUED, hours: [{ temperatureC: 1 }] }],
    ['an hour without any value', 'missing_field', { issuedAt: ISSUED, hours: [hour(0), { ts: ISSUED + H }] }],
    ['empty hours', 'invalid_field', { issuedAt: ISSUED, hours: [] }],
    ['an unknown variable', 'unknown_field', { issuedAt: ISSUED, hours: [hour(0, { humidityPct: 80 })] }],
    ['an unknown top-level field', 'unknown_field', { issuedAt: ISSUED, hours: [hour(0)], model: 'icon' }],
    ['a local time without offset', 'invalid_field', { issuedAt: '2026-11-22T12:00:00', hours: [hour(0)] }],
    ['epoch seconds', 'invalid_field', { issuedAt: ISSUED / 1000, hours: [hour(0)] }],
    ['a bad source', 'invalid_field', { issuedAt: ISSUED, source: 'open meteo', hours: [hour(0)] }],
    ['Kelvin as °C', 'invalid_field', { issuedAt: ISSUED, hours: [hour(0, { temperatureC: 280 })] }],
    ['negative radiation', 'invalid_field', { issuedAt: ISSUED, hours: [hour(0, { ghiWm2: -1 })] }],
    ['cloud cover as over 100 %', 'invalid_field', { issuedAt: ISSUED, hours: [hour(0, { cloudCoverPct: 101 })] }],
    ['wind direction over 360°', 'invalid_field', { issuedAt: ISSUED, hours: [hour(0, { windDirection100mDeg: 361 })] }],
    ['a value as a string', 'invalid_field', { issuedAt: ISSUED, hours: [hour(0, { windSpeed10mMs: '3' })] }],
    ['an hour off the hour', 'invalid_field', { issuedAt: ISSUED, hours: [{ ts: ISSUED + 60_000, temperatureC: 1 }] }],
    ['an hour before the issue', 'invalid_field', { issuedAt: ISSUED, hours: [hour(-1)] }],
    ['an hour past 168 h', 'invalid_field', { issuedAt: ISSUED, hours: [hour(169)] }],
    ['the same hour twice', 'invalid_field', { issuedAt: ISSUED, hours: [hour(1), hour(1)] }],
    ['an issue in the future', 'timestamp_in_future', { issuedAt: NOW + 10 * 60_000, hours: [{ ts: ISSUED + H, temperatureC: 1 }] }],
  ];
  it.each(cases)('refuses %s whole as %s, with a detail and the payload', (_name, reason, payload, t) => {
    const r = parse(payload, t);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.rejection.reason).toBe(reason);
    expect(r.rejection.detail.length).toBeGreaterThan(20);
    expect(r.rejection.payload.length).toBeGreaterThan(0);
  });

  it('names where the problem is', () => {
    const r = parse({ issuedAt: ISSUED, hours: [hour(0), hour(1, { ghiWm2: -5 })] });
    expect(!r.ok && r.rejection.detail).toMatch(/^hours\[1\]\.ghiWm2: /);
    const unknown = parse({ issuedAt: ISSUED, hours: [hour(0, { humidityPct: 80 })] });
    expect(!unknown.ok && unknown.rejection.detail).toContain('humidityPct');
  });
});
