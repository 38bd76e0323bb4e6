/** What meters measure and what gridcast forecasts: the one list of each. */

export const READING_KINDS = ['load', 'pv', 'wind', 'battery', 'weather'] as const;
export type ReadingKind = (typeof READING_KINDS)[number];

/** The kinds that are forecast, each as the site total and (with FORECAST_LEVELS=feeder) per feeder. */
export const FORECAST_TARGETS = ['load', 'pv', 'wind'] as const satisfies readonly ReadingKind[];
export type ForecastTarget = (typeof FORECAST_TARGETS)[number];

export function isForecastTarget(value: string): value is ForecastTarget {
  return (FORECAST_TARGETS as readonly string[]).includes(value);
}

/** `load, pv, wind`: for messages and "allowed" texts. */
export const FORECAST_TARGETS_TEXT = FORECAST_TARGETS.join(', ');
