import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/common/errors.js';
import { loadSites, seriesContext } from '../../../src/forecast/sites.js';

function sitesFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'gridcast-sites-')), 'sites.yaml');
  writeFileSync(path, yaml);
  return path;
}

const SITE = 'id: utrecht\n    latitude: 52.09\n    longitude: 5.12\n    timeZone: Europe/Amsterdam';

describe('sites file: PV array and wind turbines', () => {
  it('passes the array to PV and the turbines to wind, nothing of either to load', () => {
    const sites = loadSites(
      sitesFile(`sites:\n  - ${SITE}\n    pvArray: { tiltDeg: 35, azimuthDeg: 180 }\n    windTurbines:\n      hubHeightM: 120\n      powerCurve: [{ speedMs: 3, powerFraction: 0 }, { speedMs: 12, powerFraction: 1 }]\n`),
    );
    const site = sites.get('utrecht');
    expect(seriesContext('pv', site, 'UTC').pvArray).toEqual({ tiltDeg: 35, azimuthDeg: 180 });
    expect(seriesContext('wind', site, 'UTC').turbine?.hubHeightM).toBe(120);
    const load = seriesContext('load', site, 'UTC');
    expect(load.pvArray).toBeUndefined();
    expect(load.turbine).toBeUndefined();
  });

  it('says which field is wrong: a tilt past vertical, a power curve that goes back in speed', () => {
    const read = (yaml: string) => {
      try {
        loadSites(sitesFile(yaml));
        return '';
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).message;
      }
    };
    expect(read(`sites:\n  - ${SITE}\n    pvArray: { tiltDeg: 95, azimuthDeg: 180 }\n`)).toMatch(/sites\.0\.pvArray\.tiltDeg/);
    expect(read(`sites:\n  - ${SITE}\n    windTurbines: { powerCurve: [{ speedMs: 12, powerFraction: 1 }, { speedMs: 3, powerFraction: 0 }] }\n`)).toMatch(/windTurbines\.powerCurve: points must go by strictly increasing speedMs/);
  });
});
