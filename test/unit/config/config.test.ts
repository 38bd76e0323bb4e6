import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/common/errors.js';
import { CONFIG_KEYS, SECRET_KEYS, configReferenceMarkdown, loadConfig, secretFileVar } from '../../../src/config/index.js';

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
      heapGrowthPercent: 50,
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

describe('secrets from files (<KEY>_FILE, as docker secrets mount them)', () => {
  async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'gridcast-secrets-'));
    try {
      await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('covers every password, token and key setting, and no _FILE variant clashes with a setting of its own', () => {
    const secretLooking = Object.keys(CONFIG_KEYS).filter((k) => /PASSWORD|TOKEN|API_KEY$/.test(k));
    expect([...SECRET_KEYS].sort()).toEqual(secretLooking.sort());
    for (const key of SECRET_KEYS) expect(Object.keys(CONFIG_KEYS)).not.toContain(secretFileVar(key));
    // API_KEYS is left out on purpose: API_KEYS_FILE already names the hashed key store.
    expect(CONFIG_KEYS.API_KEYS_FILE.allowed).toBe('file path');
  });

  it('reads each secret from its file, one trailing newline (or CRLF, or several) trimmed, nothing else', async () => {
    await withDir(async (dir) => {
      const files = { token: join(dir, 'influx-token'), mqtt: join(dir, 'mqtt'), influxPw: join(dir, 'influx-pw'), weather: join(dir, 'weather') };
      await writeFile(files.token, 'tok-3f9c\n');
      await writeFile(files.mqtt, 'pw with spaces \r\n');
      await writeFile(files.influxPw, 'pw-1x\n\n');
      await writeFile(files.weather, 'key-no-newline');
      const c = loadConfig({
        INFLUX_URL: 'http://influx:8086',
        INFLUX_TOKEN_FILE: files.token,
        MQTT_PASSWORD_FILE: files.mqtt,
        INFLUX_PASSWORD_FILE: files.influxPw,
        WEATHER_FORECAST_API_KEY_FILE: files.weather,
      });
      expect(c.influx?.token).toBe('tok-3f9c');
      expect(c.mqtt.password).toBe('pw with spaces ');
      expect(c.influx?.password).toBe('pw-1x');
      expect(c.weather.apiKey).toBe('key-no-newline');
      // An empty _FILE variable counts as unset, like every other variable.
      expect(loadConfig({ INFLUX_TOKEN_FILE: '', INFLUX_TOKEN: 'direct' }).influx).toBeUndefined();
      expect(loadConfig({ INFLUX_URL: 'http://influx:8086', INFLUX_TOKEN_FILE: '', INFLUX_TOKEN: 'direct' }).influx?.token).toBe('direct');
    });
  });

  it('refuses a secret set both directly and by file, naming both variables and never the value', async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'token');
      await writeFile(file, 'from-file\n');
      const p = problems({ INFLUX_TOKEN: 'from-env-secret', INFLUX_TOKEN_FILE: file });
      expect(p).toHaveLength(1);
      expect(p[0]).toMatch(/^INFLUX_TOKEN and INFLUX_TOKEN_FILE are both set/);
      expect(p.join('\n')).not.toContain('from-env-secret');
      expect(p.join('\n')).not.toContain('from-file');
    });
  });

  it('names the variable and the path of a missing, unreadable or empty file, together with other problems', async () => {
    await withDir(async (dir) => {
      const missing = join(dir, 'nope');
      const empty = join(dir, 'empty');
      await writeFile(empty, '\n');
      const p = problems({ MQTT_PASSWORD_FILE: missing, INFLUX_TOKEN_FILE: empty, WEATHER_FORECAST_API_KEY_FILE: dir, HTTP_PORT: 'abc' });
      expect(p).toHaveLength(4);
      expect(p.find((x) => x.startsWith('MQTT_PASSWORD_FILE'))).toMatch(new RegExp(`^MQTT_PASSWORD_FILE: cannot read '${missing}' \\(the file holding MQTT_PASSWORD\\): .*ENOENT`));
      expect(p.find((x) => x.startsWith('INFLUX_TOKEN_FILE'))).toBe(`INFLUX_TOKEN_FILE: '${empty}' (the file holding INFLUX_TOKEN) is empty`);
      // A directory where a file should be.
      expect(p.find((x) => x.startsWith('WEATHER_FORECAST_API_KEY_FILE'))).toMatch(new RegExp(`cannot read '${dir}'.*EISDIR`));
      expect(p.find((x) => x.startsWith('HTTP_PORT'))).toBeDefined();
    });
  });
});
