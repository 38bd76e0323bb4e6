import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { getPosition, getTimes } from 'suncalc';
import { describe, expect, it } from 'vitest';
import { ID_PATTERN } from '../../../src/contract/index.js';
import { defaultFleet, fleetConfigSchema, loadFleetConfig, type FleetConfig } from '../../../simulators/fleetConfig.js';
import { FleetModel, type SimMeter } from '../../../simulators/fleetModel.js';
import { applyBatteryPower, requestedBatteryKw, type BatteryParams } from '../../../simulators/physics/battery.js';
import { COOLING_THRESHOLD_C, HEATING_THRESHOLD_C, loadShape, temperatureResponse } from '../../../simulators/physics/load.js';
import { SiteClock } from '../../../simulators/physics/localTime.js';
import { PvArray } from '../../../simulators/physics/pv.js';
import { ar1Advance, deriveSeed, Rng } from '../../../simulators/physics/rng.js';
import { clearSkyGhiWm2, cloudTransmittance, irradiance, sunGeometry } from '../../../simulators/physics/sun.js';
import { diurnalTemperatureShape } from '../../../simulators/physics/weather.js';
import { hubWindSpeedMs, windPowerFraction } from '../../../simulators/physics/wind.js';
import { readingSchema, type Reading } from '../../../src/contract/index.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const UTRECHT = { latitude: 52.09, longitude: 5.12 };

interface SiteInput {
  id?: string;
  latitude?: number;
  longitude?: number;
  timeZone?: string;
  holidays?: string[];
  weatherStation?: boolean;
  feeders?: Array<{ id: string; load?: { residential?: number; commercial?: number; industrial?: number }; pv?: number; wind?: number; battery?: number }>;
}

function fleet(...sites: SiteInput[]): FleetConfig {
  return fleetConfigSchema.parse({
    sites: sites.map((s, i) => ({
      id: `site-${i + 1}`,
      ...UTRECHT,
      timeZone: 'Europe/Amsterdam',
      feeders: [{ id: 'f1', load: { residential: 20, commercial: 5, industrial: 2 }, pv: 10, wind: 2, battery: 4 }],
      ...s,
    })),
  });
}

interface Step {
  timeMs: number;
  readings: Reading[];
}

/** Steps a fleet from `fromIso` (inclusive) to `toIso` (exclusive). */
function run(model: FleetModel, fromIso: string, toIso: string, stepMs: number): Step[] {
  const steps: Step[] = [];
  for (let t = Date.parse(fromIso); t < Date.parse(toIso); t += stepMs) steps.push({ timeMs: t, readings: model.step(t) });
  return steps;
}

const localHour = (timeMs: number, zone: string) => {
  const d = DateTime.fromMillis(timeMs, { zone });
  return d.hour + d.minute / 60;
};

function indexesWhere(meters: readonly SimMeter[], pred: (m: SimMeter) => boolean): number[] {
  return meters.flatMap((m, i) => (pred(m) ? [i] : []));
}

const sumPower = (readings: Reading[], idx: number[]) => idx.reduce((acc, i) => acc + (readings[i]!.powerKw ?? 0), 0);

/** Local hour at which the summed power of `idx` peaks. */
function peakLocalHour(steps: Step[], idx: number[], zone: string): number {
  let best = steps[0]!;
  for (const s of steps) if (sumPower(s.readings, idx) > sumPower(best.readings, idx)) best = s;
  return localHour(best.timeMs, zone);
}

/** kWh of `idx` over the local day `isoDate` (left Riemann sum). */
function localDayEnergyKwh(steps: Step[], idx: number[], zone: string, isoDate: string, stepMs: number): number {
  return steps
    .filter((s) => DateTime.fromMillis(s.timeMs, { zone }).toISODate() === isoDate)
    .reduce((acc, s) => acc + (sumPower(s.readings, idx) * stepMs) / HOUR_MS, 0);
}

describe('rng', () => {
  it('is deterministic per seed and gives each id its own stream', () => {
    const a = new Rng(deriveSeed(7, 'meter:a'));
    const b = new Rng(deriveSeed(7, 'meter:a'));
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(deriveSeed(7, 'meter:a')).not.toBe(deriveSeed(7, 'meter:b'));
    expect(deriveSeed(7, 'meter:a')).not.toBe(deriveSeed(8, 'meter:a'));
    for (const x of seqA) expect(x >= 0 && x < 1).toBe(true);
  });

  it('draws standard normals (mean 0, sd 1 over 100k samples)', () => {
    const rng = new Rng(1);
    let sum = 0;
    let sumSq = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.sqrt(sumSq / n - (sum / n) ** 2)).toBeCloseTo(1, 1);
  });

  it.each([
    { stepMin: 1, tauMin: 60 },
    { stepMin: 60, tauMin: 60 },
  ])('AR(1) keeps unit variance and lag correlation exp(−dt/τ) at $stepMin-min steps', ({ stepMin, tauMin }) => {
    const rng = new Rng(3);
    const n = 60_000;
    let x = rng.normal();
    let sumSq = 0;
    let sumLag = 0;
    for (let i = 0; i < n; i++) {
      const next = ar1Advance(x, stepMin * MINUTE_MS, tauMin * MINUTE_MS, rng);
      sumSq += next * next;
      sumLag += x * next;
      x = next;
    }
    expect(sumSq / n).toBeGreaterThan(0.85);
    expect(sumSq / n).toBeLessThan(1.15);
    expect(sumLag / sumSq).toBeCloseTo(Math.exp(-stepMin / tauMin), 1);
  });
});

describe('sun and irradiance', () => {
  it.each([
    { cosZ: 1, ghi: 1098 * Math.exp(-0.057) }, // 1037.16 W/m², sun at the zenith
    { cosZ: 0.5, ghi: 549 * Math.exp(-0.114) }, // 489.87 W/m², sun 30° up
    { cosZ: 0, ghi: 0 },
    { cosZ: -0.3, ghi: 0 },
  ])('Haurwitz clear-sky GHI at cos Z = $cosZ is $ghi W/m²', ({ cosZ, ghi }) => {
    expect(clearSkyGhiWm2(cosZ)).toBeCloseTo(ghi, 6);
  });

  it('clouds take out up to 75 % and split GHI into beam and diffuse consistently', () => {
    expect(cloudTransmittance(0)).toBe(1);
    expect(cloudTransmittance(1)).toBe(0.25);
    for (const cloud of [0, 0.3, 0.7, 1]) {
      const r = irradiance(0.6, cloud);
      expect(r.dniWm2 * 0.6 + r.dhiWm2).toBeCloseTo(r.ghiWm2, 6);
      expect(r.dhiWm2).toBeGreaterThanOrEqual(0);
    }
    expect(irradiance(0.6, 1).dniWm2).toBeCloseTo(0, 6); // overcast: all diffuse
  });

  it('uses suncalc 2 conventions: degrees, azimuth 180 = south at solar noon in the north', () => {
    const noon = getTimes(new Date('2026-06-21T12:00:00Z'), UTRECHT.latitude, UTRECHT.longitude).solarNoon;
    const g = sunGeometry(noon.getTime(), UTRECHT.latitude, UTRECHT.longitude);
    expect(g.azimuthDeg).toBeCloseTo(180, 0);
    expect(g.altitudeDeg).toBeCloseTo(90 - 52.09 + 23.44, 0); // ≈ 61.35°
  });
});

describe('PV', () => {
  const clearSky = (timeMs: number, lat: number, lon: number) => {
    const sun = sunGeometry(timeMs, lat, lon);
    return { sun, temperatureC: 20, ...irradiance(sun.cosZenith, 0) };
  };

  it.each([
    { place: 'Utrecht, midsummer', lat: 52.09, lon: 5.12, date: '2026-06-21', azimuthDeg: 180 },
    { place: 'Utrecht, midwinter', lat: 52.09, lon: 5.12, date: '2026-12-21', azimuthDeg: 180 },
    { place: 'Utrecht, DST start', lat: 52.09, lon: 5.12, date: '2026-03-29', azimuthDeg: 180 },
    { place: 'Madrid (far west in CET)', lat: 40.42, lon: -3.7, date: '2026-07-01', azimuthDeg: 180 },
    { place: 'Denver', lat: 39.74, lon: -104.99, date: '2026-09-15', azimuthDeg: 180 },
    { place: 'Sydney, north-facing', lat: -33.87, lon: 151.21, date: '2026-01-15', azimuthDeg: 0 },
  ])('a clear-sky equator-facing system in $place peaks within an hour of solar noon', ({ lat, lon, date, azimuthDeg }) => {
    const array = new PvArray({ capacityKw: 5, tiltDeg: 30, azimuthDeg, performanceRatio: 0.85 });
    // suncalc anchors getTimes to the solar day nearest the instant: ask near local solar noon.
    const solarNoonMs = getTimes(new Date(Date.parse(`${date}T12:00:00Z`) - (lon / 15) * HOUR_MS), lat, lon).solarNoon.getTime();
    let peakMs = 0;
    let peakKw = -1;
    for (let t = solarNoonMs - 12 * HOUR_MS; t < solarNoonMs + 12 * HOUR_MS; t += MINUTE_MS) {
      const kw = array.powerKw(clearSky(t, lat, lon));
      if (getPosition(new Date(t), lat, lon).altitude <= 0) expect(kw).toBe(0);
      expect(kw).toBeGreaterThanOrEqual(0);
      expect(kw).toBeLessThanOrEqual(5);
      if (kw > peakKw) [peakKw, peakMs] = [kw, t];
    }
    expect(peakKw).toBeGreaterThan(0.5);
    expect(Math.abs(peakMs - solarNoonMs)).toBeLessThanOrEqual(HOUR_MS);
  });

  it('fleet PV is exactly 0 whenever the sun is below the horizon and never exceeds capacity', () => {
    const model = new FleetModel(fleet({ feeders: [{ id: 'f1', pv: 40 }] }), 11);
    const pv = indexesWhere(model.meters, (m) => m.kind === 'pv');
    let nightReadings = 0;
    for (const s of run(model, '2026-06-01T00:00:00Z', '2026-06-08T00:00:00Z', 5 * MINUTE_MS)) {
      const night = getPosition(new Date(s.timeMs), UTRECHT.latitude, UTRECHT.longitude).altitude < 0;
      for (const i of pv) {
        const kw = s.readings[i]!.powerKw!;
        if (night) {
          expect(kw).toBe(0);
          nightReadings++;
        }
        expect(kw).toBeGreaterThanOrEqual(0);
        expect(kw).toBeLessThanOrEqual(model.meters[i]!.capacityKw);
      }
    }
    expect(nightReadings).toBeGreaterThan(1000);
  });

  it('fleet PV output over a month of weather is centred within an hour of solar noon', () => {
    // The production-weighted mean time of day: robust to which afternoons happened to be cloudy.
    const model = new FleetModel(fleet({ feeders: [{ id: 'f1', pv: 60 }] }), 5);
    const pv = indexesWhere(model.meters, (m) => m.kind === 'pv');
    let kwSum = 0;
    let kwMinuteSum = 0;
    for (const s of run(model, '2026-05-01T00:00:00Z', '2026-06-01T00:00:00Z', 10 * MINUTE_MS)) {
      const kw = sumPower(s.readings, pv);
      kwSum += kw;
      kwMinuteSum += kw * ((s.timeMs % DAY_MS) / MINUTE_MS);
    }
    const noon = getTimes(new Date('2026-05-16T12:00:00Z'), UTRECHT.latitude, UTRECHT.longitude).solarNoon;
    const noonMinuteUtc = noon.getUTCHours() * 60 + noon.getUTCMinutes();
    expect(Math.abs(kwMinuteSum / kwSum - noonMinuteUtc)).toBeLessThanOrEqual(60);
  });
});

describe('wind', () => {
  it.each([
    { speedMs: 0, fraction: 0 },
    { speedMs: 2, fraction: 0 },
    { speedMs: 3, fraction: 0 },
    { speedMs: 7.5, fraction: 0.125 }, // ((7.5 − 3) / 9)³ = 0.5³
    { speedMs: 9, fraction: 8 / 27 }, // (6/9)³
    { speedMs: 12, fraction: 1 },
    { speedMs: 20, fraction: 1 },
    { speedMs: 24.99, fraction: 1 },
    { speedMs: 25, fraction: 0 },
    { speedMs: 26, fraction: 0 },
  ])('power curve at $speedMs m/s is $fraction of rated', ({ speedMs, fraction }) => {
    expect(windPowerFraction(speedMs)).toBeCloseTo(fraction, 12);
  });

  it('shears 10 m wind up to hub height by the 1/7-ish power law', () => {
    expect(hubWindSpeedMs(5, 100)).toBeCloseTo(5 * 10 ** 0.14, 9); // 6.902 m/s
    expect(hubWindSpeedMs(5, 10)).toBe(5);
  });

  it('turbines stay in [0, rated] and follow the curve at their reported hub wind speed', () => {
    const model = new FleetModel(fleet({ feeders: [{ id: 'f1', wind: 12 }] }), 21);
    const wind = indexesWhere(model.meters, (m) => m.kind === 'wind');
    let atRated = 0;
    let inCubic = 0;
    for (const s of run(model, '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', 15 * MINUTE_MS)) {
      for (const i of wind) {
        const r = s.readings[i]!;
        const ratedKw = model.meters[i]!.capacityKw;
        expect(r.powerKw!).toBeGreaterThanOrEqual(0);
        expect(r.powerKw!).toBeLessThanOrEqual(ratedKw);
        const v = r.windSpeedMs!;
        // Skip the knife edge at cut-out.
        // The reported speed is rounded to 4 decimals: allow what that rounding moves on the cubic part.
        if (Math.abs(v - 25) > 1e-3) expect(Math.abs(r.powerKw! - ratedKw * windPowerFraction(v))).toBeLessThanOrEqual(ratedKw * 2e-5 + 1e-4);
        if (r.powerKw === ratedKw) atRated++;
        else if (r.powerKw! > 0) inCubic++;
      }
    }
    expect(atRated).toBeGreaterThan(0);
    expect(inCubic).toBeGreaterThan(0);
  });
});

describe('load', () => {
  it.each([
    { profile: 'residential', dayType: 'weekday', hour: 19, value: 1 },
    { profile: 'residential', dayType: 'weekday', hour: 19.5, value: 0.975 }, // halfway 1 → 0.95
    { profile: 'commercial', dayType: 'weekday', hour: 3, value: 0.24 },
    { profile: 'commercial', dayType: 'weekday', hour: 10, value: 1 },
    { profile: 'commercial', dayType: 'sunday', hour: 10, value: 0.28 },
    { profile: 'industrial', dayType: 'sunday', hour: 10, value: 0.36 },
  ] as const)('$profile $dayType shape at $hour:00 is $value', ({ profile, dayType, hour, value }) => {
    expect(loadShape(profile, dayType, hour)).toBeCloseTo(value, 9);
  });

  it.each([
    { profile: 'residential', from: 17, to: 21 },
    { profile: 'commercial', from: 9, to: 17 },
  ] as const)('the $profile weekday shape peaks between $from:00 and $to:00', ({ profile, from, to }) => {
    let peakHour = 0;
    for (let h = 0; h < 24; h += 0.25) if (loadShape(profile, 'weekday', h) > loadShape(profile, 'weekday', peakHour)) peakHour = h;
    expect(peakHour).toBeGreaterThanOrEqual(from);
    expect(peakHour).toBeLessThanOrEqual(to);
  });

  it.each([
    { temperatureC: 18, share: 0 },
    { temperatureC: HEATING_THRESHOLD_C, share: 0 },
    { temperatureC: 5, share: 0.1 }, // 10 K below 15 °C × 0.01/K
    { temperatureC: -5, share: 0.2 },
    { temperatureC: COOLING_THRESHOLD_C, share: 0 },
    { temperatureC: 30, share: 0.16 }, // 8 K above 22 °C × 0.02/K
  ])('temperature response at $temperatureC °C is $share of capacity', ({ temperatureC, share }) => {
    expect(temperatureResponse(temperatureC, 0.01, 0.02)).toBeCloseTo(share, 9);
  });

  it('fleet loads peak at plausible local hours and weekends are lighter for business', () => {
    const zone = 'Europe/Amsterdam';
    const model = new FleetModel(fleet({ feeders: [{ id: 'f1', load: { residential: 300, commercial: 60, industrial: 20 } }] }), 3);
    const res = indexesWhere(model.meters, (m) => m.profile === 'residential');
    const com = indexesWhere(model.meters, (m) => m.profile === 'commercial');
    const ind = indexesWhere(model.meters, (m) => m.profile === 'industrial');
    // Mon 2026-09-07 … Sun 2026-09-13, local days (UTC+2).
    const stepMs = 15 * MINUTE_MS;
    const steps = run(model, '2026-09-06T22:00:00Z', '2026-09-13T22:00:00Z', stepMs);
    const wednesday = steps.filter((s) => DateTime.fromMillis(s.timeMs, { zone }).toISODate() === '2026-09-09');
    const resPeak = peakLocalHour(wednesday, res, zone);
    const comPeak = peakLocalHour(wednesday, com, zone);
    expect(resPeak).toBeGreaterThanOrEqual(17);
    expect(resPeak).toBeLessThanOrEqual(21);
    expect(comPeak).toBeGreaterThanOrEqual(9);
    expect(comPeak).toBeLessThanOrEqual(17);

    const energy = (idx: number[], date: string) => localDayEnergyKwh(steps, idx, zone, date, stepMs);
    expect(energy(com, '2026-09-13') / energy(com, '2026-09-09')).toBeLessThan(0.6);
    expect(energy(ind, '2026-09-13') / energy(ind, '2026-09-09')).toBeLessThan(0.6);
    expect(energy(com, '2026-09-12') / energy(com, '2026-09-09')).toBeLessThan(0.8); // Saturday: shops only
    // Households: weekend energy differs, with people at home around midday.
    expect(Math.abs(energy(res, '2026-09-13') / energy(res, '2026-09-09') - 1)).toBeGreaterThan(0.01);
    const middayKw = (date: string) =>
      steps
        .filter((s) => DateTime.fromMillis(s.timeMs, { zone }).toISODate() === date && localHour(s.timeMs, zone) >= 11 && localHour(s.timeMs, zone) < 14)
        .reduce((acc, s) => acc + sumPower(s.readings, res), 0);
    expect(middayKw('2026-09-13') / middayKw('2026-09-09')).toBeGreaterThan(1.15);
  });

  it('loads are positive and differ between meters of the same profile', () => {
    const model = new FleetModel(fleet({ weatherStation: false, feeders: [{ id: 'f1', load: { residential: 2 } }] }), 9);
    const steps = run(model, '2026-02-02T00:00:00Z', '2026-02-03T00:00:00Z', 15 * MINUTE_MS);
    const [a, b] = [0, 1].map((i) => steps.map((s) => s.readings[i]!.powerKw! / model.meters[i]!.capacityKw));
    for (const s of steps) for (const r of s.readings) expect(r.powerKw!).toBeGreaterThan(0);
    expect(a).not.toEqual(b);
  });
});

describe('holidays', () => {
  it('a holiday is a Sunday to the site clock', () => {
    const clock = new SiteClock('Europe/Amsterdam', ['2026-06-17']);
    expect(clock.at(Date.parse('2026-06-17T10:00:00Z')).dayType).toBe('sunday'); // a Wednesday
    expect(clock.at(Date.parse('2026-06-16T10:00:00Z')).dayType).toBe('weekday');
    expect(clock.at(Date.parse('2026-06-20T10:00:00Z')).dayType).toBe('saturday');
    // Local dates: 23:30 UTC on the 16th is already the 17th in Amsterdam.
    expect(clock.at(Date.parse('2026-06-16T23:30:00Z')).dayType).toBe('sunday');
  });

  it('the demo site and the example fleet use the Dutch holidays (NL), the example with a local date added', () => {
    const demo = defaultFleet(10).sites[0]!.holidays;
    // King's Day (Monday 27 April 2026), Ascension (14 May 2026), Christmas; Good Friday is no day off.
    expect(demo).toEqual(expect.arrayContaining(['2026-04-27', '2026-05-14', '2026-12-25', '2026-12-26', '2027-01-01']));
    expect(demo).not.toContain('2026-04-03');
    const example = loadFleetConfig(fileURLToPath(new URL('../../../simulators/fleet.example.yaml', import.meta.url))).sites[0]!.holidays;
    expect(example).toEqual([...demo, '2026-08-28'].sort());
  });

  it('business load on a holiday looks like Sunday, and other days are untouched', () => {
    const zone = 'Europe/Amsterdam';
    const feeders = [{ id: 'f1', load: { residential: 100, commercial: 40, industrial: 10 } }];
    const plain = new FleetModel(fleet({ feeders }), 4);
    const holiday = new FleetModel(fleet({ feeders, holidays: ['2026-06-17'] }), 4);
    const stepMs = 15 * MINUTE_MS;
    // Mon 15 … Sun 21 June 2026, local.
    const plainSteps = run(plain, '2026-06-14T22:00:00Z', '2026-06-21T22:00:00Z', stepMs);
    const holidaySteps = run(holiday, '2026-06-14T22:00:00Z', '2026-06-21T22:00:00Z', stepMs);
    const com = indexesWhere(holiday.meters, (m) => m.profile === 'commercial');
    const ind = indexesWhere(holiday.meters, (m) => m.profile === 'industrial');
    for (const idx of [com, ind]) {
      const onHoliday = localDayEnergyKwh(holidaySteps, idx, zone, '2026-06-17', stepMs);
      const sameDayPlain = localDayEnergyKwh(plainSteps, idx, zone, '2026-06-17', stepMs);
      const sunday = localDayEnergyKwh(holidaySteps, idx, zone, '2026-06-21', stepMs);
      expect(onHoliday / sameDayPlain).toBeLessThan(0.6);
      expect(onHoliday / sunday).toBeGreaterThan(0.8);
      expect(onHoliday / sunday).toBeLessThan(1.25);
    }
    // The holiday changes demand only on its own local date.
    const tuesday = (steps: Step[]) => steps.filter((s) => DateTime.fromMillis(s.timeMs, { zone }).toISODate() === '2026-06-16');
    expect(tuesday(holidaySteps)).toEqual(tuesday(plainSteps));
  });
});

describe('battery', () => {
  const params: BatteryParams = {
    capacityKwh: 10,
    maxKw: 5,
    socMinPct: 10,
    socMaxPct: 95,
    chargeEfficiency: 0.95,
    dischargeEfficiency: 0.95,
    chargeFromH: 10,
    chargeToH: 15,
    dischargeFromH: 17,
    dischargeToH: 21,
  };

  it.each([
    // 40 % above the floor × 10 kWh × 0.95 = 3.8 kWh deliverable in the hour
    { socPct: 50, requestedKw: 5, dtH: 1, powerKw: 3.8, nextSocPct: 10 },
    // 45 % headroom × 10 kWh / 0.95 = 4.7368 kWh accepted in the hour
    { socPct: 50, requestedKw: -5, dtH: 1, powerKw: -4.5 / 0.95, nextSocPct: 95 },
    { socPct: 50, requestedKw: 2, dtH: 1, powerKw: 2, nextSocPct: 50 - (2 / 0.95 / 10) * 100 }, // 28.947 %
    { socPct: 50, requestedKw: 5, dtH: 6, powerKw: 3.8 / 6, nextSocPct: 10 },
    { socPct: 50, requestedKw: 5, dtH: 1 / 60, powerKw: 5, nextSocPct: 50 - (5 / 60 / 0.95 / 10) * 100 }, // 49.123 %
    { socPct: 50, requestedKw: 9, dtH: 0.25, powerKw: 5, nextSocPct: 50 - (1.25 / 0.95 / 10) * 100 }, // capped at maxKw
    { socPct: 10, requestedKw: 5, dtH: 1, powerKw: 0, nextSocPct: 10 },
    { socPct: 95, requestedKw: -5, dtH: 1, powerKw: 0, nextSocPct: 95 },
  ])('soc $socPct %, ask $requestedKw kW for $dtH h → $powerKw kW, soc $nextSocPct %', ({ socPct, requestedKw, dtH, powerKw, nextSocPct }) => {
    const r = applyBatteryPower(params, socPct, requestedKw, dtH);
    expect(r.powerKw).toBeCloseTo(powerKw, 9);
    expect(r.socPct).toBeCloseTo(nextSocPct, 9);
  });

  it('charges around midday, discharges in the evening peak, idles otherwise', () => {
    expect(requestedBatteryKw(params, 50, 12)).toBeLessThan(0);
    expect(requestedBatteryKw(params, 50, 19)).toBeGreaterThan(0);
    expect(requestedBatteryKw(params, 50, 3)).toBe(0);
    expect(requestedBatteryKw(params, 95, 12)).toBeCloseTo(0, 12);
  });

  it('never leaves [min, max] SoC for arbitrary requests and step sizes', () => {
    const rng = new Rng(99);
    let soc = 50;
    let violations = 0;
    for (let i = 0; i < 20_000; i++) {
      const r = applyBatteryPower(params, soc, rng.uniform(-20, 20), rng.next() < 0.1 ? 0 : rng.uniform(0, 24) ** 2 / 24);
      if (Math.abs(r.powerKw) > params.maxKw || !(r.socPct >= 10 && r.socPct <= 95)) violations++;
      soc = r.socPct;
    }
    expect(violations).toBe(0);
  });

  it.each([{ stepMin: 15 }, { stepMin: 60 }])('fleet SoC stays in [10, 95] % over a month at $stepMin-min steps and cycles', ({ stepMin }) => {
    const zone = 'Europe/Amsterdam';
    const model = new FleetModel(fleet({ feeders: [{ id: 'f1', battery: 30 }] }), 13);
    const bat = indexesWhere(model.meters, (m) => m.kind === 'battery');
    const minSoc = bat.map(() => 100);
    const maxSoc = bat.map(() => 0);
    let eveningKwSum = 0;
    let middayKwSum = 0;
    const outOfBounds: string[] = [];
    for (const s of run(model, '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z', stepMin * MINUTE_MS)) {
      const h = localHour(s.timeMs, zone);
      bat.forEach((i, j) => {
        const r = s.readings[i]!;
        if (!(r.socPct! >= 10 && r.socPct! <= 95) || Math.abs(r.powerKw!) > model.meters[i]!.capacityKw) outOfBounds.push(JSON.stringify(r));
        minSoc[j] = Math.min(minSoc[j]!, r.socPct!);
        maxSoc[j] = Math.max(maxSoc[j]!, r.socPct!);
        if (h >= 18 && h < 20) eveningKwSum += r.powerKw!;
        if (h >= 11 && h < 14) middayKwSum += r.powerKw!;
      });
    }
    expect(outOfBounds).toEqual([]);
    for (const v of minSoc) expect(v).toBeLessThan(15);
    for (const v of maxSoc) expect(v).toBeGreaterThan(90);
    expect(eveningKwSum).toBeGreaterThan(0); // discharge, positive
    expect(middayKwSum).toBeLessThan(0); // charge, negative
  });
});

describe('weather', () => {
  it('diurnal temperature shape: −1 at sunrise, +1 at 15:00, continuous', () => {
    expect(diurnalTemperatureShape(6, 6)).toBeCloseTo(-1, 12);
    expect(diurnalTemperatureShape(15, 6)).toBeCloseTo(1, 12);
    expect(diurnalTemperatureShape(10.5, 6)).toBeCloseTo(0, 12); // halfway up
    expect(diurnalTemperatureShape(5.999, 6)).toBeCloseTo(-1, 4);
    expect(diurnalTemperatureShape(15.001, 6)).toBeCloseTo(1, 4);
  });

  it('is seasonal by hemisphere, warmest in the afternoon, windy but not stormy on average', () => {
    const stats = (model: FleetModel, from: string, to: string) => {
      let tempSum = 0;
      let windSum = 0;
      let n = 0;
      const byHour = new Array<number>(24).fill(0);
      for (const s of run(model, from, to, HOUR_MS)) {
        const w = s.readings[0]!;
        tempSum += w.temperatureC!;
        windSum += w.windSpeedMs!;
        byHour[Math.floor(localHour(s.timeMs, 'Europe/Amsterdam'))]! += w.temperatureC!;
        n++;
      }
      return { meanC: tempSum / n, windMs: windSum / n, warmestHour: byHour.indexOf(Math.max(...byHour)), coldestHour: byHour.indexOf(Math.min(...byHour)) };
    };
    const cfg = fleet(
      { feeders: [{ id: 'f1' }] },
      { latitude: -33.87, longitude: 151.21, timeZone: 'Australia/Sydney', feeders: [{ id: 'f1' }] },
    );
    const north = (from: string, to: string) => stats(new FleetModel(fleetConfigSchema.parse({ sites: [cfg.sites[0]] }), 2), from, to);
    const south = (from: string, to: string) => stats(new FleetModel(fleetConfigSchema.parse({ sites: [cfg.sites[1]] }), 2), from, to);
    const julyN = north('2026-07-01T00:00:00Z', '2026-08-01T00:00:00Z');
    const janN = north('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z');
    expect(julyN.meanC - janN.meanC).toBeGreaterThan(8);
    expect(julyN.warmestHour).toBeGreaterThanOrEqual(13);
    expect(julyN.warmestHour).toBeLessThanOrEqual(17);
    expect(julyN.coldestHour).toBeGreaterThanOrEqual(3);
    expect(julyN.coldestHour).toBeLessThanOrEqual(8);
    expect(janN.windMs).toBeGreaterThan(3);
    expect(janN.windMs).toBeLessThan(9);
    expect(south('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z').meanC).toBeGreaterThan(south('2026-07-01T00:00:00Z', '2026-08-01T00:00:00Z').meanC + 4);
  });

  it('the station, PV and the clock agree: no irradiance and no PV at night', () => {
    const model = new FleetModel(fleet({ feeders: [{ id: 'f1', pv: 5 }] }), 8);
    const pv = indexesWhere(model.meters, (m) => m.kind === 'pv');
    for (const s of run(model, '2026-12-20T00:00:00Z', '2026-12-23T00:00:00Z', 10 * MINUTE_MS)) {
      const sunDown = getPosition(new Date(s.timeMs), UTRECHT.latitude, UTRECHT.longitude).altitude <= 0;
      if (sunDown) expect(s.readings[0]!.irradianceWm2).toBe(0);
      // A station reading that rounds to 0 W/m² (sun just up) leaves PV at most a trickle.
      if (s.readings[0]!.irradianceWm2 === 0) for (const i of pv) expect(s.readings[i]!.powerKw!).toBeLessThan(sunDown ? Number.MIN_VALUE : 0.01);
    }
  });
});

describe('FleetModel', () => {
  it('names meters per feeder in a stable order with valid topic segments', () => {
    const model = new FleetModel(
      fleet({
        feeders: [
          { id: 'north-1', load: { residential: 2, commercial: 1, industrial: 1 }, pv: 2, wind: 1, battery: 1 },
          { id: 'north-2', load: { residential: 1 }, pv: 1 },
        ],
      }),
      1,
    );
    expect(model.meters.map((m) => `${m.feeder}/${m.meter}/${m.kind}/${m.profile ?? ''}`)).toEqual([
      'north-1/weather/weather/',
      'north-1/res-0001/load/residential',
      'north-1/res-0002/load/residential',
      'north-1/com-0001/load/commercial',
      'north-1/ind-0001/load/industrial',
      'north-1/pv-0001/pv/',
      'north-1/pv-0002/pv/',
      'north-1/wind-0001/wind/',
      'north-1/bat-0001/battery/',
      'north-2/res-0001/load/residential',
      'north-2/pv-0001/pv/',
    ]);
    for (const m of model.meters) for (const seg of [m.site, m.feeder, m.meter]) expect(seg).toMatch(ID_PATTERN);
    expect(new Set(model.meters.map((m) => `${m.site}/${m.feeder}/${m.meter}`)).size).toBe(model.meters.length);
    expect(model.meters[0]!.capacityKw).toBe(0);
    for (const m of model.meters.slice(1)) expect(m.capacityKw).toBeGreaterThan(0);
  });

  it('same seed → identical readings over a day; different seed → different', () => {
    const cfg = fleet({});
    const day = (seed: number) => run(new FleetModel(cfg, seed), '2026-04-10T00:00:00Z', '2026-04-11T00:00:00Z', 5 * MINUTE_MS);
    const a = day(17);
    expect(day(17)).toEqual(a);
    expect(day(18)).not.toEqual(a);
  });

  it('adding a meter leaves every other meter unchanged (per-meter streams)', () => {
    const small = new FleetModel(fleet({ feeders: [{ id: 'f1', load: { residential: 3 }, pv: 2, battery: 1 }] }), 5);
    const big = new FleetModel(fleet({ feeders: [{ id: 'f1', load: { residential: 4 }, pv: 3, battery: 2 }] }), 5);
    const bigIndex = new Map(big.meters.map((m, i) => [m.meter, i]));
    for (const s of [0, 1, 2].map((k) => Date.parse('2026-05-05T10:00:00Z') + k * 15 * MINUTE_MS)) {
      const rs = small.step(s);
      const rb = big.step(s);
      small.meters.forEach((m, i) => expect(rb[bigIndex.get(m.meter)!]).toEqual(rs[i]));
    }
  });

  it('every reading over two days passes the contract, ts is the step time, values have ≤ 4 decimals', () => {
    const cfg = fleet(
      {},
      { latitude: -33.87, longitude: 151.21, timeZone: 'Australia/Sydney', holidays: ['2026-01-26'] },
      { latitude: 64.84, longitude: -147.72, timeZone: 'America/Anchorage' },
      { latitude: 25.2, longitude: 55.27, timeZone: 'Asia/Dubai', weatherStation: false },
    );
    const model = new FleetModel(cfg, 1234);
    const problems: string[] = [];
    let checked = 0;
    for (const from of ['2026-01-25T00:00:00Z', '2026-07-20T00:00:00Z']) {
      for (const s of run(model, from, new Date(Date.parse(from) + 2 * DAY_MS).toISOString(), 15 * MINUTE_MS)) {
        expect(s.readings).toHaveLength(model.meters.length);
        s.readings.forEach((r, i) => {
          checked++;
          const parsed = readingSchema.safeParse(r);
          if (!parsed.success) problems.push(`${JSON.stringify(r)}: ${parsed.error.message}`);
          if (r.ts !== s.timeMs || r.kind !== model.meters[i]!.kind) problems.push(`${JSON.stringify(r)}: wrong ts/kind`);
          for (const v of Object.values(r)) if (typeof v === 'number' && Math.round(v * 10_000) / 10_000 !== v) problems.push(`${JSON.stringify(r)}: > 4 decimals`);
          if (r.kind === 'load' && !(r.powerKw! > 0)) problems.push(`${JSON.stringify(r)}: load not positive`);
        });
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(30_000);
  });

  it('refuses time going backwards and non-integer times; a repeated time is allowed', () => {
    const model = new FleetModel(fleet({}), 1);
    const t = Date.parse('2026-05-05T10:00:00Z');
    model.step(t);
    expect(model.step(t)).toHaveLength(model.meters.length);
    expect(() => model.step(t - 1)).toThrow(RangeError);
    expect(() => model.step(t + 0.5)).toThrow(RangeError);
  });

  it.each([
    { day: '2026-03-29', change: 'spring forward', hours: 23 },
    { day: '2026-10-25', change: 'fall back', hours: 25 },
  ])('Europe/Amsterdam on $day ($change) still peaks at the right local hours', ({ day, hours }) => {
    const zone = 'Europe/Amsterdam';
    const start = DateTime.fromISO(day, { zone }).startOf('day');
    const end = start.plus({ days: 1 });
    expect(end.diff(start, 'hours').hours).toBe(hours);
    const model = new FleetModel(fleet({ feeders: [{ id: 'f1', load: { residential: 300 } }] }), 6);
    const res = indexesWhere(model.meters, (m) => m.profile === 'residential');
    const steps = run(model, start.toUTC().toISO()!, end.toUTC().toISO()!, 15 * MINUTE_MS);
    expect(steps).toHaveLength(hours * 4);
    const peak = peakLocalHour(steps, res, zone);
    expect(peak).toBeGreaterThanOrEqual(17);
    expect(peak).toBeLessThanOrEqual(21);
    let trough = steps[0]!;
    for (const s of steps) if (sumPower(s.readings, res) < sumPower(trough.readings, res)) trough = s;
    expect(localHour(trough.timeMs, zone)).toBeLessThanOrEqual(6);
    // The site clock itself: 19:00 local is 17:00 UTC in summer time, 18:00 UTC in winter time.
    const clock = new SiteClock(zone);
    expect(clock.at(Date.parse('2026-03-29T17:00:00Z')).hour).toBe(19);
    expect(clock.at(Date.parse('2026-03-28T18:00:00Z')).hour).toBe(19);
    expect(clock.at(Date.parse('2026-10-25T18:00:00Z')).hour).toBe(19);
    expect(clock.at(Date.parse('2026-10-24T17:00:00Z')).hour).toBe(19);
  });

  it('throughput of step() for 1,000 meters (printed, not asserted)', () => {
    const model = new FleetModel(defaultFleet(1000), 1);
    const t0 = Date.parse('2026-06-17T00:00:00Z');
    let i = 0;
    for (; i < 100; i++) model.step(t0 + i * MINUTE_MS); // warm-up
    let readings = 0;
    const startMs = performance.now();
    while (performance.now() - startMs < 1000) readings += model.step(t0 + i++ * MINUTE_MS).length;
    const seconds = (performance.now() - startMs) / 1000;
    console.log(`FleetModel.step: ${model.meters.length} meters, ${Math.round(readings / seconds).toLocaleString('en')} readings/s`);
    expect(readings).toBeGreaterThan(0);
  });
});
