/**
 * The shared vocabulary at the bottom of every stage: what is measured and forecast, the id rule, MQTT
 * topics, the names and units every store keeps, and the records stages hand each other. It imports
 * from no stage; every stage imports its names from here, so nothing is typed out twice.
 */
export * from './ids.js';
export * from './targets.js';
export * from './topics.js';
export * from './ingesterPresence.js';
export * from './reading.js';
export * from './telemetry.js';
export * from './forecasts.js';
export * from './dispatch.js';
export * from './ingestStats.js';
export * from './weatherForecasts.js';
export * from './weatherForecastMessage.js';
export * from './prices.js';
export * from './priceMessage.js';
