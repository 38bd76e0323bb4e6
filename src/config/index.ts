export { loadConfig, readConfigKey, CONFIG_FILE_VAR } from './load.js';
export { CONFIG_KEYS, configSchema, SECRET_KEYS, secretFileVar, TF_BACKEND_CHOICES, type SecretKey, type TfBackendChoice } from './schema.js';
export type { ConfigKey, GridcastConfig, InfluxConfig, MqttConfig, IngestConfig, ForecastConfig, ApiConfig, DispatchConfig, WeatherConfig } from './schema.js';
export { configReferenceMarkdown } from './reference.js';
