/**
 * One error class per kind of failure. Code below the edges throws these;
 * only the CLI, the API and the scheduler catch them.
 */

/** Configuration is missing or invalid. `problems` lists every bad key at once. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * The store could not be reached or answered with a transient failure
 * (network error, timeout, 5xx, 429, auth not yet set up). Retrying later may succeed,
 * so the ingester spools the readings instead of dropping them.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * The store refused the data itself (e.g. InfluxDB 400: field type conflict).
 * Retrying the same data would fail again, so it is dead-lettered.
 */
export class StoreRejectedError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'StoreRejectedError';
  }
}

/** A query asked for something the store can't answer (unknown field, bad range, bad bucket). */
export class InvalidQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidQueryError';
  }
}

/** The request clashes with work in progress or with what is stored (e.g. a training run is already going). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** A required external program (mosquitto, influxd) or service is missing. */
export class DependencyMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DependencyMissingError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What was asked for does not exist: an unknown site, series or model version. */
export class NotFoundError extends Error {
  constructor(
    /** What kind of thing: 'site', 'model version', … */
    readonly resource: string,
    /** The id that was asked for. */
    readonly id: string,
    message: string,
  ) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Too little observed data for what was asked (training a model needs weeks of history). */
export class InsufficientDataError extends Error {
  constructor(
    /** The series, `site/feeder/target`. */
    readonly series: string,
    readonly haveDays: number,
    readonly needDays: number,
    message: string,
  ) {
    super(message);
    this.name = 'InsufficientDataError';
  }
}

/**
 * Why the dispatch optimizer produced no plan:
 * - `unknown_site`: the site has no dispatch settings (DISPATCH_FILE);
 * - `no_forecast`: no stored load forecast covers the plan's start;
 * - `no_solution`: HiGHS stopped (time limit) without any plan;
 * - `price_currency`: prices were sent in another currency than the site's (its dispatch settings).
 */
export type DispatchErrorKind = 'unknown_site' | 'no_forecast' | 'no_solution' | 'price_currency';

/** The dispatch optimizer could not produce a plan; `kind` says why and `site` for which site. */
export class DispatchError extends Error {
  constructor(
    readonly kind: DispatchErrorKind,
    readonly site: string,
    message: string,
  ) {
    super(message);
    this.name = 'DispatchError';
  }
}

/** A dispatch run over every site left some without a new plan (their old one stays in force); the others were planned. */
export class DispatchRunError extends Error {
  constructor(
    /** The sites without a new plan, and why. */
    readonly failed: readonly { site: string; error: string }[],
    /** How many sites the run planned for. */
    readonly sites: number,
  ) {
    super(`dispatch: no new plan for ${failed.length} of ${sites} sites: ${failed.map((f) => `${f.site} (${f.error})`).join('; ')}`);
    this.name = 'DispatchRunError';
  }
}

/**
 * A model that reads weather forecasts was asked for a forecast the weather forecast doesn't cover (none
 * issued yet, or too stale to reach the horizon). The caller falls back and records why.
 */
export class MissingWeatherForecastError extends Error {
  constructor(
    readonly source: string,
    readonly issuedAtMs: number,
    /** Target steps asked for without a weather forecast. */
    readonly missingSteps: number,
    readonly requestedSteps: number,
    readonly features: readonly string[],
  ) {
    super(
      `no ${source} weather forecast issued by ${new Date(issuedAtMs).toISOString()} covers ${missingSteps} of the ${requestedSteps} steps asked for ` +
        `(the model reads ${features.join(', ')}); falling back to a forecast without weather`,
    );
    this.name = 'MissingWeatherForecastError';
  }
}

/** A weather forecast source (Open-Meteo) failed or answered something unusable for one site; `url` never holds the API key. */
export class WeatherSourceError extends Error {
  constructor(
    readonly site: string,
    readonly url: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'WeatherSourceError';
  }
}
