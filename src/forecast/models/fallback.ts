import { MissingWeatherForecastError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ForecastInput, ForecastRequest, Forecaster, QuantileForecast } from '../types.js';

/** A forecast made by the fallback, and why. */
export interface FallbackUse {
  issuedAtMs: number;
  reason: string;
}

/**
 * A weather-reading model with a way out: where no weather forecast covers the request, the fallback
 * (a model without weather, or a baseline) forecasts instead, and why is logged and kept (`fallbacks`).
 * Anything else the model throws still fails the forecast.
 */
export class WeatherFallbackForecaster implements Forecaster {
  readonly name: string;
  readonly fallbacks: FallbackUse[] = [];

  constructor(
    private readonly primary: Forecaster,
    private readonly fallback: Forecaster,
    private readonly log?: Logger,
  ) {
    this.name = primary.name;
  }

  async fit(input: ForecastInput): Promise<void> {
    await this.primary.fit(input);
    await this.fallback.fit(input);
  }

  async predict(input: ForecastInput, request: ForecastRequest): Promise<QuantileForecast> {
    try {
      return await this.primary.predict(input, request);
    } catch (err) {
      if (!(err instanceof MissingWeatherForecastError)) throw err;
      this.fallbacks.push({ issuedAtMs: request.issuedAtMs, reason: `${err.message} (${this.fallback.name})` });
      this.log?.warn({ issuedAt: new Date(request.issuedAtMs).toISOString(), fallback: this.fallback.name, missingSteps: err.missingSteps }, err.message);
      return this.fallback.predict(input, request);
    }
  }
}
