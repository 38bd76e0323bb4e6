import { z } from 'zod';
import { isTimeZone } from '../common/timeZone.js';
import { FORECAST_TARGETS } from '../contract/index.js';

/**
 * What the optimizer decides on: one site's assets, grid connection, prices, reserve policy and
 * forecasts over a horizon of equal steps. A scenario file holds exactly this (`gridcast dispatch
 * --scenario FILE`), so any decision can be reproduced offline; the scheduled job builds the same
 * object from the site's asset file and the latest stored forecasts.
 * Units and signs: power kW (mean over a step), energy kWh, prices per kWh in `currency`, time ISO-8601.
 */

const nonNegative = z.number().finite().min(0);
const fraction = z.number().gt(0).max(1);
const id = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1–64 characters of A–Z a–z 0–9 _ . -');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (00:00–24:00)');

export const batterySchema = z
  .object({
    id,
    capacityKwh: z.number().positive(),
    maxChargeKw: nonNegative,
    maxDischargeKw: nonNegative,
    chargeEfficiency: fraction.default(0.95),
    dischargeEfficiency: fraction.default(0.95),
    socMinPct: z.number().min(0).max(100).default(10),
    socMaxPct: z.number().min(0).max(100).default(90),
    socInitialPct: z.number().min(0).max(100),
    /** Soft: missing it costs `penalties.endSocPerKwh` per kWh short. Default: back to the initial SoC. */
    socEndTargetPct: z.number().min(0).max(100).optional(),
    /** Wear per kWh charged or discharged. */
    degradationCostPerKwh: nonNegative.default(0),
  })
  .refine((b) => b.socMinPct <= b.socMaxPct, { message: 'socMinPct must be ≤ socMaxPct', path: ['socMinPct'] })
  .refine((b) => b.socInitialPct >= b.socMinPct - 1e-9 && b.socInitialPct <= b.socMaxPct + 1e-9, {
    message: 'socInitialPct must lie between socMinPct and socMaxPct',
    path: ['socInitialPct'],
  });

export const generatorSchema = z
  .object({
    id,
    minKw: nonNegative,
    maxKw: z.number().positive(),
    /** Largest change of output from one step to the next while running; default: no limit. */
    rampKwPerStep: z.number().positive().optional(),
    marginalCostPerKwh: nonNegative,
    startupCost: nonNegative.default(0),
    minUpSteps: z.number().int().min(1).default(1),
    minDownSteps: z.number().int().min(1).default(1),
    initialOn: z.boolean().default(false),
    initialPowerKw: nonNegative.default(0),
    /** Steps already spent in the initial state (counts toward minimum up/down time). */
    initialStepsInState: z.number().int().min(0).default(1000),
  })
  .refine((g) => g.minKw <= g.maxKw, { message: 'minKw must be ≤ maxKw', path: ['minKw'] })
  .refine((g) => !g.initialOn || (g.initialPowerKw >= g.minKw - 1e-9 && g.initialPowerKw <= g.maxKw + 1e-9), {
    message: 'initialPowerKw must lie between minKw and maxKw when initialOn',
    path: ['initialPowerKw'],
  });

/** A price per kWh: one constant, a series (one per step) or a daily time-of-use table in the site's zone. */
export const priceSchema = z.union([
  z.number().finite(),
  z.object({ series: z.array(z.number().finite()).min(1) }),
  z.object({
    timeOfUse: z
      .array(z.object({ from: hhmm, to: hhmm, pricePerKwh: z.number().finite() }))
      .min(1)
      .describe('periods of the local day; the first period that contains a step start applies'),
    /** Price of a time no period covers; without it every local time must be covered. */
    otherwisePerKwh: z.number().finite().optional(),
  }),
]);
export type PriceInput = z.infer<typeof priceSchema>;

export const gridSchema = z.object({
  importLimitKw: nonNegative,
  exportLimitKw: nonNegative,
  importPricePerKwh: priceSchema,
  exportPricePerKwh: priceSchema.default(0),
});

export const renewableSchema = z.object({
  curtailable: z.boolean().default(true),
  curtailmentCostPerKwh: nonNegative.default(0),
});

export const deferrableLoadSchema = z
  .object({
    id,
    energyKwh: z.number().positive(),
    maxKw: z.number().positive(),
    /** Window in which the energy must be delivered, as step indices [fromStep, toStep). */
    fromStep: z.number().int().min(0),
    toStep: z.number().int().min(1),
  })
  .refine((d) => d.fromStep < d.toStep, { message: 'fromStep must be < toStep', path: ['fromStep'] });

/**
 * Upward reserve kept per step. `quantile-spread` (default): factor × (P90 − P50) of net load, the
 * spreads of load (P90 − P50), PV and wind (P50 − P10) combined as independent (root of the sum of
 * squares) or fully correlated (their sum, the cautious choice). `fixed`: a constant kW.
 */
export const reservePolicySchema = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('quantile-spread'),
    combine: z.enum(['independent', 'additive']).default('independent'),
    factor: nonNegative.default(1),
    minimumKw: nonNegative.default(0),
  }),
  z.object({ method: z.literal('fixed'), kw: nonNegative }),
  z.object({ method: z.literal('none') }),
]);
export type ReservePolicy = z.infer<typeof reservePolicySchema>;

/**
 * Costs of the slacks that keep an impossible case solvable. They dwarf every real price so a slack
 * is used only when no dispatch can meet the limit; the plan's diagnosis reports each one used.
 */
export const penaltiesSchema = z.object({
  unservedPerKwh: z.number().positive().default(1000),
  excessPerKwh: z.number().positive().default(1000),
  reserveShortPerKwh: z.number().positive().default(100),
  deferrableShortPerKwh: z.number().positive().default(200),
  endSocPerKwh: z.number().positive().default(10),
});
export type Penalties = z.infer<typeof penaltiesSchema>;

export const quantileSeriesSchema = z.object({
  p10Kw: z.array(z.number().finite()).min(1),
  p50Kw: z.array(z.number().finite()).min(1),
  p90Kw: z.array(z.number().finite()).min(1),
  /** Model (or baseline) that produced it, when known. */
  model: z.string().optional(),
  issuedAt: z.iso.datetime({ offset: true }).optional(),
});
export type QuantileSeries = z.infer<typeof quantileSeriesSchema>;

export const solverOptionsSchema = z.object({
  timeLimitSeconds: z.number().positive().default(10),
  /** Relative MIP gap at which HiGHS stops. */
  mipGap: z.number().min(0).max(1).default(0.001),
  /** Drop the binaries (charge/discharge, import/export exclusivity, on/off): an LP relaxation. */
  relaxIntegrality: z.boolean().default(false),
});

/** A site's assets, limits, prices and policies: what a dispatch file holds per site and a scenario embeds. */
const siteAssetsShape = {
  /** Time zone for time-of-use prices and operator-facing times in reasons. */
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Amsterdam').default('UTC'),
  stepMinutes: z.number().int().min(1).max(1440).default(60),
  currency: z.string().min(1).max(8).default('EUR'),
  batteries: z.array(batterySchema).default([]),
  generators: z.array(generatorSchema).default([]),
  grid: gridSchema,
  pv: renewableSchema.default({ curtailable: true, curtailmentCostPerKwh: 0 }),
  wind: renewableSchema.default({ curtailable: true, curtailmentCostPerKwh: 0 }),
  deferrableLoads: z.array(deferrableLoadSchema).default([]),
  reserve: reservePolicySchema.default({ method: 'quantile-spread', combine: 'independent', factor: 1, minimumKw: 0 }),
  penalties: penaltiesSchema.default({ unservedPerKwh: 1000, excessPerKwh: 1000, reserveShortPerKwh: 100, deferrableShortPerKwh: 200, endSocPerKwh: 10 }),
  solver: solverOptionsSchema.default({ timeLimitSeconds: 10, mipGap: 0.001, relaxIntegrality: false }),
};

/**
 * The dispatch file (DISPATCH_FILE): per site, the assets and policies; the scheduled run adds the
 * latest stored forecasts over `horizonHours` from the next step boundary.
 */
export const siteDispatchSchema = z.object({
  site: id,
  horizonHours: z.number().positive().max(168).default(48),
  ...siteAssetsShape,
});
export type SiteDispatch = z.output<typeof siteDispatchSchema>;
export const dispatchFileSchema = z.object({ sites: z.array(siteDispatchSchema).min(1) });

export const scenarioSchema = z
  .object({
    site: id,
    start: z.iso.datetime({ offset: true }),
    forecasts: z.object({ load: quantileSeriesSchema, pv: quantileSeriesSchema.optional(), wind: quantileSeriesSchema.optional() }),
    ...siteAssetsShape,
  })
  .superRefine((s, ctx) => {
    const steps = s.forecasts.load.p50Kw.length;
    const check = (path: (string | number)[], length: number) => {
      if (length !== steps) ctx.addIssue({ code: 'custom', path, message: `has ${length} values; the load forecast has ${steps} steps and every series must match it` });
    };
    for (const target of FORECAST_TARGETS) {
      const f = s.forecasts[target];
      if (!f) continue;
      for (const q of ['p10Kw', 'p50Kw', 'p90Kw'] as const) check(['forecasts', target, q], f[q].length);
    }
    for (const key of ['importPricePerKwh', 'exportPricePerKwh'] as const) {
      const price = s.grid[key];
      if (typeof price === 'object' && 'series' in price) check(['grid', key, 'series'], price.series.length);
    }
    s.deferrableLoads.forEach((d, i) => {
      if (d.toStep > steps) ctx.addIssue({ code: 'custom', path: ['deferrableLoads', i, 'toStep'], message: `is past the horizon (${steps} steps)` });
    });
    const ids = [...s.batteries.map((b) => b.id), ...s.generators.map((g) => g.id), ...s.deferrableLoads.map((d) => d.id)];
    const duplicate = ids.find((x, i) => ids.indexOf(x) !== i);
    if (duplicate) ctx.addIssue({ code: 'custom', path: ['batteries'], message: `asset id '${duplicate}' is used twice; ids must be unique across batteries, generators and deferrable loads` });
    if (ids.includes('site')) ctx.addIssue({ code: 'custom', path: ['batteries'], message: "asset id 'site' is reserved for site-wide values" });
  });

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type Battery = Scenario['batteries'][number];
export type Generator = Scenario['generators'][number];
export type DeferrableLoad = Scenario['deferrableLoads'][number];
