/** The composition root, for tools that run parts of the platform in-process (benchmarks). */
export { buildPlatform, stopOnSignal, type PlatformOptions, type PlatformRole, type RunningPlatform } from './platform.js';
export { startApiServer, storesForApi, type ApiServerOptions } from './apiServer.js';
