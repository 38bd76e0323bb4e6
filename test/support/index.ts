/**
 * The test harness, for the tests and for the benchmarks (bench/), which run the same real services:
 * Mosquitto and InfluxDB on free loopback ports, `gridcast` processes, telemetry and API fixtures.
 */
export { Influxd, Mosquitto, Redis, findBinary, freePort, sleep } from './services.js';
export { GridcastProcess } from './gridcastProcess.js';
export { lastJsonLine, runCli, type CliResult } from './cli.js';
export { connectPublisher, fleetReadings, publishAll, toMessages, type FleetReading, type PublishPlanEntry } from './telemetryFixtures.js';
export { buildDataset, dispatchPlan, fillStore, forecastPoints, HOUR, OTHER_SITE, p50Of, QUARTER, SITE, telemetryPoints, type ApiDataset } from './apiData.js';
