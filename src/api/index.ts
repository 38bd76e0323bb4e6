export { createApp, startHttpServer } from './server.js';
export type { HttpServerOptions, ReadinessCheck, RunningHttpServer } from './server.js';
