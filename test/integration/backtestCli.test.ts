import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

let dir: string;
let csv: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-backtest-'));
  csv = join(dir, 'load.csv');
  // 60 days of hourly local-time load in MW with a daily and a weekly cycle, one metering dropout and a temperature column.
  const rows = ['time,load_mw,temp_f'];
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < 60 * 24; i++) {
    const d = new Date(start + i * 3_600_000);
    const hour = i % 24;
    const weekday = Math.floor(i / 24) % 7;
    const mw = i === 900 ? 3 : 100 + 30 * Math.sin(((hour - 6) / 24) * 2 * Math.PI) - (weekday >= 5 ? 20 : 0);
    rows.push(`${d.toISOString().slice(0, 19).replace('T', ' ')},${mw.toFixed(3)},${(40 + 10 * Math.sin((hour / 24) * 2 * Math.PI)).toFixed(1)}`);
  }
  await writeFile(csv, `${rows.join('\n')}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gridcast backtest --json', () => {
  it('prints one JSON object: every model overall and per lead hour, the test window, the number of forecasts, data quality', async () => {
    const r = await runCli(['backtest', '--csv', csv, '--time-col', 'time', '--value-col', 'load_mw', '--unit', 'MW', '--weather-col', 'temp_f', '--fahrenheit', '--tz', 'America/Chicago', '--target', 'load', '--test-days', '20', '--retrain-days', '7', '--epochs', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(r.stdout) as {
      forecasts: number;
      testWindow: { from: string; to: string };
      best: string;
      models: Record<string, { overall: { maeKw: number; n: number; coverageP10P90: number }; perLead: { leadHours: number }[] }>;
      dataQuality: { outliersMasked: number };
    };
    expect(out.forecasts).toBe(20);
    expect(Object.keys(out.models).sort()).toEqual(['lstm', 'seasonal-naive-day', 'seasonal-naive-week']);
    for (const m of Object.values(out.models)) {
      expect(m.perLead).toHaveLength(24);
      expect(m.perLead[0]!.leadHours).toBe(14); // 10:00 on D−1 to 00:00 on D
      expect(m.overall.n).toBe(20 * 24);
    }
    // The series repeats weekly exactly, so the weekly naive is perfect and the best.
    expect(out.models['seasonal-naive-week']!.overall.maeKw).toBeCloseTo(0, 6);
    expect(out.best).toBe('seasonal-naive-week');
    expect(out.dataQuality.outliersMasked).toBe(1);
  });

  it('says what is wrong with bad arguments', async () => {
    const r = await runCli(['backtest', '--csv', csv, '--time-col', 'time', '--value-col', 'nope', '--target', 'load', '--baselines-only']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/nope not in .*it has: time, load_mw, temp_f/);
  });
});
