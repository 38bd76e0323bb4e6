import { z } from 'zod';

/**
 * The dispatch plan: what the optimizer recommends, step by step, and why. Versioned like EMHASS's
 * plan, with units and signs in the names:
 * - battery `powerKw` > 0 discharges into the site, < 0 charges from it;
 * - `importKw` and `exportKw` are both ≥ 0 (never both > 0 in one step);
 * - generator `powerKw` ≥ 0; curtailment ≥ 0 is PV or wind power available but not used;
 * - `unservedKw` ≥ 0 is load the plan could not supply (a slack: see diagnosis).
 * Power is the mean over the step; state of charge is at the end of the step.
 */
export const DISPATCH_PLAN_SCHEMA_VERSION = 'gridcast-dispatch/1';

const isoTime = z.iso.datetime({ offset: true });

export const batteryStepSchema = z.object({
  id: z.string(),
  powerKw: z.number(),
  socKwh: z.number(),
  socPct: z.number(),
});

export const generatorStepSchema = z.object({
  id: z.string(),
  powerKw: z.number(),
  on: z.boolean(),
  startedUp: z.boolean(),
});

export const planStepSchema = z.object({
  time: isoTime,
  /** Forecast P50s the plan balances. */
  loadKw: z.number(),
  pvAvailableKw: z.number(),
  windAvailableKw: z.number(),
  /** load − PV − wind (before curtailment). */
  netLoadKw: z.number(),
  importKw: z.number(),
  exportKw: z.number(),
  pvCurtailedKw: z.number(),
  windCurtailedKw: z.number(),
  /** Deferrable loads served in this step, summed, and each. */
  deferrableKw: z.number(),
  deferrables: z.array(z.object({ id: z.string(), powerKw: z.number() })),
  unservedKw: z.number(),
  /** Supply that could go nowhere (export capped, nothing to curtail): a slack like unserved load. */
  excessKw: z.number(),
  batteries: z.array(batteryStepSchema),
  generators: z.array(generatorStepSchema),
  /** Upward reserve the policy asks for, what the plan keeps, and the gap (> 0: uncovered). */
  reserveRequiredKw: z.number(),
  reserveAvailableKw: z.number(),
  reserveShortKw: z.number(),
  /** available − required: what the plan keeps beyond the policy (< 0: short, see diagnosis). */
  reserveMarginKw: z.number(),
  importPricePerKwh: z.number(),
  exportPricePerKwh: z.number(),
});

export const RECOMMENDATION_ACTIONS = ['charge', 'discharge', 'run', 'start', 'stop', 'curtail', 'import', 'export', 'shed', 'defer'] as const;

export const recommendationSchema = z.object({
  asset: z.string(),
  action: z.enum(RECOMMENDATION_ACTIONS),
  from: isoTime,
  to: isoTime,
  /** Mean power over the span, kW (≥ 0; the action gives the direction). */
  powerKw: z.number(),
  reason: z.string(),
});

export const DIAGNOSED_CONSTRAINTS = ['power_balance_short', 'power_balance_excess', 'reserve', 'battery_end_soc', 'deferrable_energy'] as const;

export const diagnosisIssueSchema = z.object({
  constraint: z.enum(DIAGNOSED_CONSTRAINTS),
  asset: z.string().optional(),
  from: isoTime,
  to: isoTime,
  /** Largest shortfall in the span: kW for power and reserve, kWh for energy targets. */
  maxShortfall: z.number(),
  unit: z.enum(['kW', 'kWh']),
  message: z.string(),
  fix: z.string(),
});

export const costBreakdownSchema = z.object({
  importCost: z.number(),
  exportRevenue: z.number(),
  fuelCost: z.number(),
  startupCost: z.number(),
  batteryWearCost: z.number(),
  curtailmentCost: z.number(),
  /** Slack penalties: zero when every hard limit holds. */
  penaltyCost: z.number(),
  total: z.number(),
});

/** Where the prices of a run of steps came from: published (API, MQTT, ENTSO-E import) or the dispatch file. */
export const planPriceSpanSchema = z.object({
  from: isoTime,
  to: isoTime,
  source: z.enum(['published', 'dispatch-file']),
  /** The published prices' source tag: api, mqtt, entsoe, … */
  publishedVia: z.string().optional(),
  /** When the published prices were received. */
  receivedAt: isoTime.optional(),
});
export type PlanPriceSpan = z.infer<typeof planPriceSpanSchema>;

/** A rated feeder's worst steps within the plan's horizon (src/forecast/risk/congestion.ts), riskiest first. */
export const planCongestionSchema = z.object({
  feeder: z.string(),
  ratingKw: z.number(),
  reverseRatingKw: z.number(),
  maxOverloadProbability: z.number().nullable(),
  maxOverloadAt: isoTime.nullable(),
  maxReverseFlowProbability: z.number().nullable(),
  maxReverseFlowAt: isoTime.nullable(),
  reason: z.string(),
});

export const dispatchPlanSchema = z.object({
  schemaVersion: z.literal(DISPATCH_PLAN_SCHEMA_VERSION),
  site: z.string(),
  issuedAt: isoTime,
  stepMinutes: z.number().positive(),
  currency: z.string(),
  /** Which forecasts the plan used (model per target), when it came from stored forecasts. */
  forecasts: z.record(z.string(), z.object({ model: z.string(), issuedAt: isoTime })).optional(),
  /** Which prices the plan used, per run of steps, when it was planned from stored forecasts (import and export each). */
  prices: z.object({ import: z.array(planPriceSpanSchema), export: z.array(planPriceSpanSchema) }).optional(),
  steps: z.array(planStepSchema),
  recommendations: z.array(recommendationSchema),
  cost: costBreakdownSchema,
  /**
   * The same site with no battery and generators left as they are. When it is not feasible, its total
   * includes the penalties of what it leaves undone (unserved load at penalties.unservedPerKwh), and so
   * does `savings`: read `unservedKwh` and `penaltyCost` before quoting savings.
   */
  doNothing: z.object({ total: z.number(), feasible: z.boolean(), penaltyCost: z.number(), unservedKwh: z.number() }),
  /** doNothing.total − cost.total. */
  savings: z.number(),
  /**
   * Each feeder rated in SITES_FILE (feederRatings) with its congestion risk over the plan's steps, from its own
   * forecasts. The plan balances the site; what a feeder needs is flexibility on that feeder, which this names.
   */
  congestion: z.array(planCongestionSchema).optional(),
  /** feasible: every hard limit held (no slack used). solved: the solver returned a plan at all. */
  diagnosis: z.object({ feasible: z.boolean(), issues: z.array(diagnosisIssueSchema) }),
  /** Shortfalls that only show as penalties (kWh), per battery end SoC and deferrable load. */
  shortfalls: z.object({ batteryEndSocKwh: z.record(z.string(), z.number()), deferrableKwh: z.record(z.string(), z.number()) }),
  solver: z.object({
    engine: z.literal('highs'),
    status: z.string(),
    objective: z.number(),
    mipGap: z.number(),
    solveMs: z.number(),
    variables: z.number().int(),
    constraints: z.number().int(),
    /** Solves taken: charge/discharge and import/export binaries are added only where a step needs one (solveDispatch.ts). */
    rounds: z.number().int(),
    binariesEnforced: z.number().int(),
  }),
});

export type DispatchPlan = z.infer<typeof dispatchPlanSchema>;
export type PlanStep = z.infer<typeof planStepSchema>;
export type Recommendation = z.infer<typeof recommendationSchema>;
export type DiagnosisIssue = z.infer<typeof diagnosisIssueSchema>;
export type CostBreakdown = z.infer<typeof costBreakdownSchema>;
