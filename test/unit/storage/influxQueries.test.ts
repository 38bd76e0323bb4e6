import { describe, expect, it } from 'vitest';
import { InvalidQueryError } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import { loadConfig } from '../../../src/config/index.js';
import { TELEMETRY_FIELDS } from '../../../src/contract/index.js';
import { InfluxDispatchPlanStore } from '../../../src/storage/dispatch/influx.js';
import { InfluxEngine } from '../../../src/storage/engines/influx/engine.js';
import { separatesStatements, type InfluxQueryResponse } from '../../../src/storage/engines/influx/query.js';
import { InfluxForecastStore } from '../../../src/storage/forecasts/influx.js';
import { InfluxLockStore } from '../../../src/storage/locks/influx.js';
import { InfluxTelemetryStore } from '../../../src/storage/telemetry/influx.js';
import { buildLastSeenSelects, buildPointsSelect, parseLastSeen, toTelemetryPoints } from '../../../src/storage/telemetry/influxql.js';
import { InfluxWeatherForecastStore } from '../../../src/storage/weatherForecasts/influx.js';
import { InfluxPricesStore } from '../../../src/storage/prices/influx.js';

/** Records every InfluxQL statement the stores hand to the engine; answers each with an empty result, writes nothing. */
class RecordingEngine extends InfluxEngine {
  readonly statements: string[] = [];
  override async query(q: string): Promise<InfluxQueryResponse> {
    this.statements.push(q);
    return { results: [{ statement_id: 0 }] };
  }
  override async writeLines(): Promise<void> {}
}

// Values with `;` and quotes (stored names allow no backslash): escaped into literals, they must not read as a statement separator.
const NASTY = `s;x' OR 1=1; "q"`;
const T = Date.UTC(2024, 0, 1);

/** Every read of every InfluxDB store, with and without the optional filters. */
async function everyStatement(version: '1' | '2' | '3'): Promise<string[]> {
  const db = new RecordingEngine(loadConfig({ INFLUX_URL: 'http://127.0.0.1:1', INFLUX_VERSION: version }).influx!, silentLogger);
  const telemetry = new InfluxTelemetryStore(db);
  const forecasts = new InfluxForecastStore(db);
  const weather = new InfluxWeatherForecastStore(db);
  const range = { fromMs: T, toMs: T + 86_400_000 };
  await telemetry.queryTelemetry({ field: 'power_kw', ...range, bucketMs: 900_000, aggregate: 'mean' });
  await telemetry.queryTelemetry({ field: 'power_kw', ...range, bucketMs: 900_000, aggregate: 'last', where: { site: NASTY, meter: NASTY }, groupBy: ['feeder', 'meter'] });
  await telemetry.readPoints(range);
  await telemetry.readPoints({ ...range, where: { site: NASTY, feeder: NASTY } });
  await telemetry.listSeries();
  await telemetry.listSeries({ site: NASTY });
  await telemetry.lastSeen();
  await telemetry.lastSeen({ site: NASTY, feeder: NASTY, meter: NASTY, kind: 'load' });
  const fq = { site: NASTY, feeder: 'all', target: 'load' as const, ...range };
  await forecasts.readForecasts(fq);
  await forecasts.readForecasts({ ...fq, asOfMs: T });
  await forecasts.readForecastHistory(fq);
  await forecasts.readForecastErrors(fq);
  await new InfluxDispatchPlanStore(db).readDispatchPlan({ site: NASTY });
  await new InfluxDispatchPlanStore(db).readDispatchPlan({ site: NASTY, asOfMs: T });
  await weather.readWeatherForecasts({ site: NASTY, ...range });
  await weather.readWeatherForecastHistory({ site: NASTY, source: 'open-meteo', ...range, asOfMs: T });
  await new InfluxPricesStore(db).readPrices({ site: NASTY, ...range });
  await new InfluxPricesStore(db).readPrices({ site: NASTY, currency: 'EUR', ...range });
  const locks = new InfluxLockStore(db, { lockSettleMs: 0 });
  await locks.tryAcquireLock('train', 'a', 60_000);
  await locks.releaseLock('train', 'a');
  return db.statements;
}

describe('InfluxQL the stores send', () => {
  for (const version of ['1', '2', '3'] as const) {
    it(`is one statement per request and never SHOW SERIES (INFLUX_VERSION=${version}), which InfluxDB 3 does not take`, async () => {
      const statements = await everyStatement(version);
      // Each store read above, lastSeen/listSeries once per telemetry field.
      expect(statements.length).toBeGreaterThan(4 * TELEMETRY_FIELDS.length);
      for (const q of statements) {
        expect(q, q).not.toMatch(/SHOW\s+SERIES/i);
        expect(separatesStatements(q), q).toBe(false);
      }
    });
  }

  it('lastSeen asks one statement per telemetry field and merges them: the latest time per series', () => {
    const selects = buildLastSeenSelects('"db".."telemetry"', { site: 's' });
    expect(selects).toHaveLength(TELEMETRY_FIELDS.length);
    expect(selects[0]).toBe(`SELECT last("power_kw") FROM "db".."telemetry" WHERE "site" = 's' GROUP BY "site", "feeder", "meter", "kind"`);
    const series = (timeMs: number, meter: string) => ({ results: [{ statement_id: 0, series: [{ name: 'telemetry', tags: { site: 's', feeder: 'f', meter, kind: 'load' }, columns: ['time', 'last'], values: [[timeMs, 1]] }] }] });
    expect(parseLastSeen([series(5, 'm1'), series(9, 'm1'), series(7, 'm0'), { results: [{ statement_id: 0 }] }])).toEqual([
      { site: 's', feeder: 'f', meter: 'm0', kind: 'load', lastSeenMs: 7 },
      { site: 's', feeder: 'f', meter: 'm1', kind: 'load', lastSeenMs: 9 },
    ]);
    expect(() => parseLastSeen([{ results: [{ statement_id: 0, error: 'boom' }] }])).toThrow('boom');
  });
});

describe('telemetry readPoints', () => {
  it('selects every field, grouped by every tag, and merges the series into time then series order, nulls left out', () => {
    expect(buildPointsSelect({ fromMs: 1, toMs: 5, where: { site: "s'1" } }, '"db".."telemetry"')).toBe(
      `SELECT ${TELEMETRY_FIELDS.map((f) => `"${f}"`).join(', ')} FROM "db".."telemetry" WHERE time >= 1ms AND time < 5ms AND "site" = 's\\'1' GROUP BY "site", "feeder", "meter", "kind"`,
    );
    const tags = (meter: string) => ({ site: 's', feeder: 'f', meter, kind: 'load' });
    const points = toTelemetryPoints([
      { name: 'telemetry', tags: tags('m2'), columns: ['time', 'power_kw', 'voltage_v'], values: [[1, 2, null]] },
      { name: 'telemetry', tags: tags('m1'), columns: ['time', 'power_kw', 'voltage_v'], values: [[1, null, 230], [3, 1.5, null], [4, null, null]] },
    ]);
    expect(points).toEqual([
      { ...tags('m1'), timeMs: 1, fields: { voltage_v: 230 } },
      { ...tags('m2'), timeMs: 1, fields: { power_kw: 2 } },
      { ...tags('m1'), timeMs: 3, fields: { power_kw: 1.5 } },
    ]);
  });
});

describe('separatesStatements', () => {
  it('finds a `;` between statements, not one inside a string or an identifier', () => {
    expect(separatesStatements('SELECT 1 FROM a; SELECT 2 FROM b')).toBe(true);
    expect(separatesStatements('SELECT 1 FROM a;')).toBe(true);
    expect(separatesStatements(`SELECT "x;y" FROM a WHERE "site" = 'a;b'`)).toBe(false);
    // An escaped quote does not end the literal, so the `;` after it is still inside.
    expect(separatesStatements(`SELECT x FROM a WHERE "site" = 'a\\';b'`)).toBe(false);
    expect(separatesStatements(`SELECT x FROM a WHERE "site" = 'a\\\\'; SELECT 1`)).toBe(true);
  });

  it('makes the engine refuse a multi-statement query before it reaches any server', async () => {
    const engine = new InfluxEngine(loadConfig({ INFLUX_URL: 'http://127.0.0.1:1' }).influx!, silentLogger);
    await expect(engine.query('SELECT 1 FROM a; SELECT 2 FROM b')).rejects.toThrow(InvalidQueryError);
  });
});
