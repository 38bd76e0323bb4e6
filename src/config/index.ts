export { loadConfig, readConfigKey, CONFIG_FILE_VAR } from './load.js';
export { CONFIG_KEYS, configSchema, TF_BACKEND_CHOICES, type TfBackendChoice } from './schema.js';
export type { ConfigKey, GridcastConfig, InfluxConfig, MqttConfig, IngestConfig, ForecastConfig, ApiConfig, DispatchConfig, WeatherConfig } from './schema.js';
export { configReferenceMarkdown } from './reference.js';
