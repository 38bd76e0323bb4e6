export { loadConfig, CONFIG_FILE_VAR } from './load.js';
export { CONFIG_KEYS, configSchema } from './schema.js';
export type { ConfigKey, GridcastConfig, InfluxConfig, MqttConfig, IngestConfig, ForecastConfig, ApiConfig, DispatchConfig } from './schema.js';
export { configReferenceMarkdown } from './reference.js';
