import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/common/errors.js';
import { CONFIG_KEYS, configReferenceMarkdown, loadConfig } from '../../../src/config/index.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('runs with nothing set: embedded broker, DuckDB, documented defaults', () => {
    const c = loadConfig({});
    expect(c.mqtt.url).toBeUndefined();
    expect(c.influx).toBeUndefined();
    expect(c.broker.port).toBe(1883);
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.ingest).toEqual({
      spoolDir: './data/spool',
      maxAgeHours: 168,
      batchMaxReadings: 5000,
      statsIntervalSeconds: 10,
      powerLimitsKw: { load: 1e10, pv: 1e10, wind: 1e10, battery: 1e10, weather: 1e10 },
      stuckAfterSeconds: 60,
    });
    expect(c.mqtt.protocolVersion).toBe(5);
    expect(c.duckdb.path).toBe('./data/gridcast.duckdb');
  });

  it('names every bad variable at once, with the value given and what is allowed', () => {
    const p = problems({ HTTP_PORT: 'abc', MQTT_URL: 'localhost:1883', INGEST_MAX_AGE_HOURS: '-1', LOG_LEVEL: 'loud' });
    expect(p).toHaveLength(4);
    expect(p.find((x) => x.startsWith('HTTP_PORT'))).toMatch(/'abc' \(from environment\).*Allowed: integer 0–65535/);
    expect(p.find((x) => x.startsWith('MQTT_URL'))).toMatch(/'localhost:1883'.*mqtt:\/\/host:1883/);
    expect(p.find((x) => x.startsWith('INGEST_MAX_AGE_HOURS'))).toMatch(/'-1'.*positive number/);
    expect(p.find((x) => x.startsWith('LOG_LEVEL'))).toMatch(/'loud'.*fatal, error/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ INFLUX_URL: '', HTTP_PORT: '' }).http.port).toBe(8080);
  });

  it('reads a YAML config file named by GRIDCAST_CONFIG; the environment wins; unknown keys are errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridcast-config-'));
    try {
      const file = join(dir, 'gridcast.yaml');
      await writeFile(file, 'INFLUX_URL: http://influx:8086\nHTTP_PORT: 9000\nINFLUX_DATABASE: grid\n');
      const c = loadConfig({ GRIDCAST_CONFIG: file, HTTP_PORT: '9100' });
      expect(c.influx?.url).toBe('http://influx:8086');
      expect(c.influx?.database).toBe('grid');
      expect(c.http.port).toBe(9100);

      await writeFile(file, 'HTTP_PROT: 9000\nHTTP_PORT: nine\n');
      const p = problems({ GRIDCAST_CONFIG: file });
      expect(p[0]).toMatch(/HTTP_PROT in config file .*unknown setting/);
      expect(p[1]).toMatch(/HTTP_PORT: got 'nine' \(from config file\)/);
      expect(problems({ GRIDCAST_CONFIG: join(dir, 'missing.yaml') })[0]).toMatch(/cannot read config file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('docs/configuration.md holds the config reference generated from the schema, every key included', async () => {
    const doc = await readFile(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const table = configReferenceMarkdown();
    expect(doc).toContain(table);
    for (const key of Object.keys(CONFIG_KEYS)) expect(table).toContain(`\`${key}\``);
  });
});
