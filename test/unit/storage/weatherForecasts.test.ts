import { describe, expect, it } from 'vitest';
import type { WeatherForecastPoint } from '../../../src/contract/index.js';
import { buildWeatherForecastSelect, toWeatherForecastPoints } from '../../../src/storage/weatherForecasts/influxql.js';
import { toWeatherForecastLine } from '../../../src/storage/weatherForecasts/lineProtocol.js';
import { latestWeatherPerHour } from '../../../src/storage/weatherForecasts/rules.js';

const H = 3_600_000;
const T = Date.UTC(2024, 0, 1);
const wf = (issuedAtMs: number, timeMs: number, source = 'open-meteo', values: WeatherForecastPoint['values'] = { temperature_c: 1 }): WeatherForecastPoint => ({ site: 's', source, issuedAtMs, timeMs, values });

describe('weather forecast line protocol and InfluxQL', () => {
  it('writes sorted tags, the given fields in name order and ms time; escapes tag values', () => {
    const line = toWeatherForecastLine({ site: 'north site,1', source: 'mqtt', issuedAtMs: T, timeMs: T + 3 * H, values: { wind_speed_100m_ms: 8.25, cloud_cover_pct: 0, temperature_c: -2.5 } }, 3);
    expect(line).toBe(`weather_forecast,lead=3,site=north\\ site\\,1,source=mqtt cloud_cover_pct=0,issued_at_ms=${T},temperature_c=-2.5,wind_speed_100m_ms=8.25 ${T + 3 * H}`);
  });

  it('selects every variable and issued_at_ms, filters by quoted literals, groups by source and lead', () => {
    const q = buildWeatherForecastSelect({ site: `x' OR '1'='1`, source: 'mqtt', fromMs: T, toMs: T + H, asOfMs: T - 1 }, '"db".."weather_forecast"');
    expect(q).toBe(
      `SELECT "issued_at_ms", "temperature_c", "ghi_wm2", "direct_wm2", "diffuse_wm2", "cloud_cover_pct", "wind_speed_10m_ms", "wind_speed_100m_ms", "wind_direction_100m_deg" ` +
        `FROM "db".."weather_forecast" WHERE "site" = 'x\\' OR \\'1\\'=\\'1' AND "source" = 'mqtt' AND time >= ${T}ms AND time < ${T + H}ms AND "issued_at_ms" <= ${T - 1} GROUP BY "source", "lead"`,
    );
    expect(buildWeatherForecastSelect({ site: 's', fromMs: T, toMs: T + H }, 'm')).not.toMatch(/source" =|issued_at_ms" <=/);
  });

  it('reads rows back leaving null variables out and skipping rows with none', () => {
    const series = [{ tags: { source: 'mqtt', lead: '1' }, columns: ['time', 'issued_at_ms', 'temperature_c', 'ghi_wm2'], values: [[T + H, T, 3.5, null], [T + 2 * H, T, null, null]] }];
    expect(toWeatherForecastPoints(series, 's')).toEqual([{ site: 's', source: 'mqtt', issuedAtMs: T, timeMs: T + H, values: { temperature_c: 3.5 } }]);
  });
});

describe('latestWeatherPerHour', () => {
  it('keeps the latest issue at or before asOfMs per hour, ties to the source that sorts first, whatever the order', () => {
    const points = [wf(T + H, T + 2 * H, 'zz'), wf(T + H, T + 2 * H, 'mqtt'), wf(T, T + 2 * H), wf(T, T + H)];
    expect(latestWeatherPerHour(points)).toEqual([wf(T, T + H), wf(T + H, T + 2 * H, 'mqtt')]);
    expect(latestWeatherPerHour([...points].reverse())).toEqual([wf(T, T + H), wf(T + H, T + 2 * H, 'mqtt')]);
    expect(latestWeatherPerHour(points, T + H - 1)).toEqual([wf(T, T + H), wf(T, T + 2 * H)]);
    expect(latestWeatherPerHour(points, T - 1)).toEqual([]);
  });
});
