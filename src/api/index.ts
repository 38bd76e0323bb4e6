export { createApp, startHttpServer } from './server.js';
export type { AppOptions, HttpServerOptions, ReadinessCheck, RunningHttpServer } from './server.js';
export type { ApiDependencies, ForecastRun, TrainingStart } from './deps.js';
export { forecastRunSchema, trainingStartSchema } from './deps.js';
export { ResponseCache, type CacheResource } from './cache.js';
export { ApiKeyFile, type KeyRecord } from './auth/keyFile.js';
export { SCOPES, type Scope } from './auth/scopes.js';
