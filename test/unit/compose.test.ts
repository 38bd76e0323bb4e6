import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_KEYS } from '../../src/config/index.js';

interface Service {
  environment?: Record<string, string>;
  command?: string[];
}

describe('docker-compose.yml (Docker does not run here; this checks what can be checked)', async () => {
  const text = await readFile(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
  const compose = parse(text, { merge: true }) as { services: Record<string, Service> };
  const ingesters = Object.entries(compose.services).filter(([, s]) => s.command?.[0] === 'ingest');

  it('runs ingesters with distinct client ids, configured only through known settings', () => {
    expect(ingesters.length).toBeGreaterThanOrEqual(2);
    const ids = ingesters.map(([, s]) => s.environment?.MQTT_CLIENT_ID);
    expect(new Set(ids).size).toBe(ingesters.length);
    for (const [, s] of ingesters) {
      for (const key of Object.keys(s.environment ?? {})) expect(Object.keys(CONFIG_KEYS)).toContain(key);
      expect(s.environment?.MQTT_SHARE_GROUP).toBeTruthy();
    }
  });

  it('has no default credentials: every password and token must come from the environment', () => {
    for (const [, s] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|TOKEN/.test(key)) expect(String(value)).toMatch(/^\$\{[A-Z_]+:\?[^}]+\}$/);
      }
    }
  });

  it('runs a simulator against the broker with a fleet file that exists', async () => {
    const sim = compose.services.simulator;
    expect(sim?.command?.[0]).toBe('simulate');
    const fleet = sim!.command![sim!.command!.indexOf('--fleet') + 1]!;
    const { loadFleetConfig } = await import('../../simulators/fleetConfig.js');
    expect(loadFleetConfig(new URL(`../../${fleet}`, import.meta.url).pathname).sites.length).toBeGreaterThan(0);
  });

  it('pins InfluxDB to 2.x', () => {
    expect(text).toMatch(/image: influxdb:2\.\d+\.\d+/);
  });
});
