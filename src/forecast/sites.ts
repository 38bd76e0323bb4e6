import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../common/errors.js';
import { isTimeZone } from '../common/timeZone.js';
import { expandHolidays, holidayEntryProblem } from './data/holidays.js';
import type { SeriesContext } from './types.js';
import { idSchema } from '../contract/index.js';

/**
 * What forecasting needs to know of a site: local calendar (time zone, holidays) and position (solar
 * geometry). A simulator fleet file is also a valid sites file: its site schema extends this one.
 */
export const siteInfoSchema = z.object({
  id: idSchema('it becomes an MQTT topic segment'),
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  /** IANA time zone, e.g. Europe/Amsterdam: drives daily profiles, holidays and DST. */
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Amsterdam or America/New_York'),
  /**
   * Days treated like Sundays: country/region codes as date-holidays knows them (NL, US-CA, DE-BY; any
   * case), which stand for their public and bank holidays, and/or extra local dates (YYYY-MM-DD).
   */
  holidays: z.array(z.string().superRefine(holidayEntryIssue)).default([]).transform(expandHolidays),
  /** The PV array's orientation: weather-forecast irradiance is turned onto its plane (plane-of-array). */
  pvArray: z
    .object({
      tiltDeg: z.number().min(0).max(90),
      azimuthDeg: z.number().min(0).lt(360).describe('north-based, clockwise: 180 = facing south'),
    })
    .strict()
    .optional(),
  /**
   * Feeders (or their transformers) with ratings: /api/v1/sites/{site}/congestion reports each step's
   * probability of exceeding them. kVA ratings go in as kW at a power factor of 1, the cautious reading.
   */
  feederRatings: z
    .array(
      z
        .object({
          feeder: idSchema('a feeder id, as in the telemetry topics'),
          ratingKw: z.number().positive().describe('most import (load) it carries'),
          reverseRatingKw: z.number().positive().optional().describe('most export (reverse flow from PV and wind); the import rating when absent'),
        })
        .strict(),
    )
    .refine((fs) => new Set(fs.map((f) => f.feeder)).size === fs.length, 'each feeder at most once')
    .optional(),
  /** The wind turbines: hub height (the forecast's speed is sheared to it) and the power curve, if known. */
  windTurbines: z
    .object({
      hubHeightM: z.number().min(10).max(300).optional(),
      powerCurve: z
        .array(z.object({ speedMs: z.number().min(0).max(60), powerFraction: z.number().min(0).max(1) }).strict())
        .min(2)
        .refine((points) => points.every((p, i) => i === 0 || p.speedMs > points[i - 1]!.speedMs), 'points must go by strictly increasing speedMs')
        .optional(),
    })
    .strict()
    .optional(),
});
export type SiteInfo = z.output<typeof siteInfoSchema>;

function holidayEntryIssue(entry: string, ctx: z.RefinementCtx): void {
  const problem = holidayEntryProblem(entry);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
}

const sitesFileSchema = z.object({ sites: z.array(siteInfoSchema.passthrough()) });

export { isTimeZone };

/** Site descriptions by id, from SITES_FILE (or nothing). */
export function loadSites(path: string | undefined): Map<string, SiteInfo> {
  if (!path) return new Map();
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([`SITES_FILE: cannot read '${path}': ${(err as Error).message}`]);
  }
  const parsed = sitesFileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `SITES_FILE '${path}': ${i.path.join('.')}: ${i.message}`));
  return new Map(parsed.data.sites.map((s) => [s.id, s]));
}

/** The forecasting context of a series at a site; unknown sites get the default time zone and no position. */
export function seriesContext(target: SeriesContext['target'], site: SiteInfo | undefined, defaultTimeZone: string): SeriesContext {
  return site
    ? {
        target,
        timeZone: site.timeZone,
        holidays: site.holidays,
        latitude: site.latitude,
        longitude: site.longitude,
        ...(target === 'pv' && site.pvArray ? { pvArray: site.pvArray } : {}),
        ...(target === 'wind' && site.windTurbines ? { turbine: site.windTurbines } : {}),
      }
    : { target, timeZone: defaultTimeZone, holidays: [] };
}
