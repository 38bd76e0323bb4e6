import { hostname } from 'node:os';
import { validate as isCronExpression } from 'node-cron';
import { z } from 'zod';
import { ID_ALLOWED, idSchema, READING_KINDS, type ReadingKind } from '../contract/index.js';

/**
 * Every setting gridcast reads, in one place. Each key is an environment variable and may also
 * appear in the optional config file (same names). `allowed` and `description` feed the error
 * messages and the config table in docs/configuration.md (test/unit/config/config.test.ts keeps the two in step).
 */
interface KeySpec {
  schema: z.ZodType;
  allowed: string;
  defaultText: string;
  description: string;
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const mqttUrl = z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\/[^\s]+$/, 'must be a URL like mqtt://host:1883');
const httpUrl = z.string().regex(/^https?:\/\/[^\s]+$/, 'must be a URL like http://host:8086');
const nonEmpty = z.string().min(1);
const API_KEY_ENTRY = /^[A-Za-z0-9_.-]{1,64}:(read|operate|admin):[A-Za-z0-9_-]{32,256}$/;
/** TensorFlow.js backends gridcast can run on (src/forecast/models/tfBackend.ts), fastest first. */
export const TF_BACKEND_CHOICES = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type TfBackendChoice = (typeof TF_BACKEND_CHOICES)[number];

const cron = z.string().refine((v) => isCronExpression(v), 'is not a cron expression (five fields: minute hour day month weekday, e.g. "5 * * * *")');

/** INGEST_POWER_LIMITS_KW: "1e6" (every kind) or "load=5e4,pv=2e4"; undefined when malformed. */
function parsePowerLimits(v: string): Partial<Record<ReadingKind, number>> | undefined {
  const positive = (x: string) => (/^\s*[0-9.eE+]+\s*$/.test(x) && Number(x) > 0 && Number.isFinite(Number(x)) ? Number(x) : undefined);
  const all = positive(v);
  if (all !== undefined) return Object.fromEntries(READING_KINDS.map((k) => [k, all]));
  const out: Partial<Record<ReadingKind, number>> = {};
  for (const entry of v.split(',')) {
    const [kind, limit, extra] = entry.split('=').map((x) => x.trim());
    const kw = limit === undefined ? undefined : positive(limit);
    if (extra !== undefined || kw === undefined || !(READING_KINDS as readonly string[]).includes(kind ?? '')) return undefined;
    out[kind as ReadingKind] = kw;
  }
  return out;
}

export const CONFIG_KEYS = {
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    allowed: 'fatal, error, warn, info, debug, trace, silent',
    defaultText: 'info',
    description: 'Log level of the logs on stdout.',
  },
  LOG_FORMAT: {
    schema: z.enum(['auto', 'pretty', 'json']).default('auto'),
    allowed: 'auto, pretty, json',
    defaultText: 'auto',
    description: 'How log lines look: pretty (one readable line per event, pino-pretty), json (one JSON object per line, for log collectors), or auto: pretty when stdout is a terminal, json otherwise (pipes, containers, files).',
  },
  HTTP_HOST: {
    schema: nonEmpty.default('127.0.0.1'),
    allowed: 'an interface address',
    defaultText: '127.0.0.1',
    description: 'Address the HTTP server (API, built-in page, health, readiness, metrics) listens on. On a loopback address, loopback clients may read without a key (API_LOOPBACK_READ); anything else needs keys.',
  },
  HTTP_PORT: {
    schema: port.default(8080),
    allowed: 'integer 0–65535 (0 = any free port)',
    defaultText: '8080',
    description: 'Port of the HTTP server.',
  },
  MQTT_URL: {
    schema: mqttUrl.optional(),
    allowed: 'mqtt://, mqtts://, ws:// or wss:// URL',
    defaultText: '(unset: embedded broker)',
    description: 'Broker the ingester subscribes to. Unset in `gridcast start`: an embedded broker (aedes) is started. Required by `gridcast ingest`.',
  },
  MQTT_BROKER_HOST: {
    schema: nonEmpty.default('127.0.0.1'),
    allowed: 'an interface address',
    defaultText: '127.0.0.1',
    description: 'Address the embedded broker listens on (standalone mode only). It has no authentication: keep it on loopback unless the network is trusted.',
  },
  MQTT_BROKER_PORT: {
    schema: port.default(1883),
    allowed: 'integer 0–65535',
    defaultText: '1883',
    description: 'Port of the embedded broker (standalone mode only).',
  },
  MQTT_USERNAME: {
    schema: nonEmpty.optional(),
    allowed: 'text',
    defaultText: '(unset)',
    description: 'Username for the broker.',
  },
  MQTT_PASSWORD: {
    schema: nonEmpty.optional(),
    allowed: 'text',
    defaultText: '(unset)',
    description: 'Password for the broker.',
  },
  MQTT_CLIENT_ID: {
    schema: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1–64 characters of A–Z a–z 0–9 _ . -').default(`gridcast-ingest-${hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 40)}`),
    allowed: '1–64 characters of A–Z a–z 0–9 _ . -',
    defaultText: 'gridcast-ingest-<hostname>',
    description: 'Stable client id: the broker keeps this session (and queues its messages) while the ingester is down. Give each ingester its own.',
  },
  MQTT_SHARE_GROUP: {
    schema: idSchema().optional(),
    allowed: ID_ALLOWED,
    defaultText: '(unset)',
    description: 'Subscribe as `$share/<group>/…` so several ingesters split one stream (MQTT v5 broker required).',
  },
  MQTT_SHARE_TAKEOVER_SECONDS: {
    schema: z.coerce.number().int().min(0).default(5),
    allowed: 'integer ≥ 0 (0: never)',
    defaultText: '5',
    description: "With MQTT_SHARE_GROUP: once a member of the group has been gone this long, one survivor takes over its session (its client id) and stores its share until it is back; the broker would otherwise queue that share for it (docs/scaling.md).",
  },
  MQTT_PROTOCOL_VERSION: {
    schema: z.enum(['4', '5']).default('5').transform(Number),
    allowed: '5 (MQTT v5) or 4 (MQTT 3.1.1)',
    defaultText: '5',
    description: 'MQTT protocol version. The embedded broker speaks 3.1.1 only, so standalone mode uses 4 for it.',
  },
  MQTT_SESSION_EXPIRY_SECONDS: {
    schema: positiveInt.default(604_800),
    allowed: 'positive integer',
    defaultText: '604800 (7 days)',
    description: 'How long the broker keeps the ingester session and its queued messages while disconnected (MQTT v5).',
  },
  MQTT_RECEIVE_MAXIMUM: {
    schema: z.coerce.number().int().min(1).max(65535).default(1000),
    allowed: 'integer 1–65535',
    defaultText: '1000',
    description: 'Unacknowledged messages the broker may have in flight to the ingester (MQTT v5 receive maximum). The ingester also stops reading from the broker while this many messages (or 4 × INGEST_BATCH_MAX_READINGS readings) wait on the store, for brokers that send more. Bigger batches, more memory, more redelivery after a crash.',
  },
  INFLUX_URL: {
    schema: httpUrl.optional(),
    allowed: 'http:// or https:// URL',
    defaultText: '(unset: embedded DuckDB)',
    description: 'InfluxDB server (1.x tested; 2.x and 3.x written to their documented APIs, see docs/storage.md). Unset: telemetry goes to the embedded DuckDB file.',
  },
  INFLUX_VERSION: {
    schema: z.enum(['auto', '1', '2', '3']).default('auto'),
    allowed: 'auto, 1, 2, 3',
    defaultText: 'auto',
    description:
      'Major version of the InfluxDB server. It picks the token scheme (`Token` on 1.x/2.x, `Bearer` on 3.x), the write endpoint and whether the database is created. `auto` reads the version from `/ping`; set `3` for InfluxDB 3 with authentication, whose `/ping` needs a `Bearer` token.',
  },
  INFLUX_DATABASE: {
    schema: nonEmpty.default('gridcast'),
    allowed: 'text',
    defaultText: 'gridcast',
    description: 'Database (1.x, 3.x) or bucket (2.x; reads need a DBRP mapping of the same name). Created if missing on 1.x.',
  },
  INFLUX_RETENTION_POLICY: {
    schema: nonEmpty.optional(),
    allowed: 'text',
    defaultText: '(unset: default policy)',
    description: 'Retention policy for writes and reads (1.x, 2.x DBRP). Not allowed with INFLUX_VERSION=3: InfluxDB 3 has no retention policies.',
  },
  INFLUX_ORG: {
    schema: nonEmpty.optional(),
    allowed: 'text',
    defaultText: '(unset)',
    description: 'Organisation (2.x).',
  },
  INFLUX_TOKEN: {
    schema: nonEmpty.optional(),
    allowed: 'text',
    defaultText: '(unset)',
    description: 'API token (2.x, 3.x), sent on every request including `/ping`: `Authorization: Token …` (1.x, 2.x), `Authorization: Bearer …` (3.x).',
  },
  INFLUX_USERNAME: {
    schema: nonEmpty.optional(),
    allowed: 'text',
    defaultText: '(unset)',
    description: 'Username (1.x with authentication).',
  },
  INFLUX_PASSWORD: {
    schema: nonEmpty.optional(),
    allowed: 'text',
    defaultText: '(unset)',
    description: 'Password (1.x with authentication).',
  },
  INFLUX_WRITE_ENDPOINT: {
    schema: z.enum(['auto', 'v1', 'v2', 'v3']).default('auto'),
    allowed: 'auto, v1, v2, v3',
    defaultText: 'auto',
    description:
      'Write endpoint: `v1` = `/write` (InfluxDB older than 1.8), `v2` = `/api/v2/write`, `v3` = `/api/v3/write_lp` (InfluxDB 3 only); `auto` picks by INFLUX_VERSION or the version `/ping` reports: `/write` below 1.8, `/api/v3/write_lp` on 3.x, else `/api/v2/write`.',
  },
  INFLUX_TIMEOUT_MS: {
    schema: positiveInt.default(10_000),
    allowed: 'positive integer',
    defaultText: '10000',
    description: 'Timeout of one HTTP request to InfluxDB.',
  },
  DUCKDB_PATH: {
    schema: nonEmpty.default('./data/gridcast.duckdb'),
    allowed: 'file path',
    defaultText: './data/gridcast.duckdb',
    description: 'DuckDB file used when INFLUX_URL is unset.',
  },
  SPOOL_DIR: {
    schema: nonEmpty.default('./data/spool'),
    allowed: 'directory path',
    defaultText: './data/spool',
    description: 'On-disk spool for readings the store could not take yet; each ingester uses the subdirectory named after its MQTT_CLIENT_ID. Keep it on persistent storage.',
  },
  INGEST_MAX_AGE_HOURS: {
    schema: z.coerce.number().positive().default(168),
    allowed: 'positive number',
    defaultText: '168 (7 days)',
    description: 'Readings older than this are rejected (dead-lettered as `timestamp_too_old`).',
  },
  INGEST_BATCH_MAX_READINGS: {
    schema: positiveInt.default(5000),
    allowed: 'positive integer',
    defaultText: '5000',
    description: 'Largest batch written to the store at once.',
  },
  INGEST_HEAP_GROWTH_PERCENT: {
    schema: z.coerce.number().int().min(0).max(300).default(50),
    allowed: 'integer 0–300 (0: V8 decides)',
    defaultText: '50',
    description: "`gridcast ingest` only: after each full garbage collection V8 lets the heap grow to (1 + this/100) × what survived before collecting again. V8's own factor reaches 4× under a steady stream, most of it garbage: 343 MB peak RSS against 221 MB at 50 (bench:ingest, arrays of 100), for a few % more CPU.",
  },
  INGEST_STATS_INTERVAL_SECONDS: {
    schema: z.coerce.number().min(0).default(10),
    allowed: 'number ≥ 0 (0 = off)',
    defaultText: '10',
    description: 'How often each ingester writes its own figures (readings, rejections by reason, spool depth, lag) to measurement `ingest_stats` in the store, for the ingestion-health dashboard.',
  },
  INGEST_POWER_LIMITS_KW: {
    schema: z
      .string()
      .refine(
        (v) => parsePowerLimits(v) !== undefined,
        `must be one number (kW, for every kind) or kind=kW pairs separated by commas, kinds ${READING_KINDS.join(', ')}, e.g. "load=50000,pv=20000"`,
      )
      .default('10000000000')
      .transform((v) => parsePowerLimits(v)!),
    allowed: 'number (kW, every kind) or kind=kW[,kind=kW…]',
    defaultText: '10000000000 (10 TW, every kind)',
    description: 'Largest |powerKw| believed per reading kind; a reading beyond it is dead-lettered as `implausible_value`. The default only stops absurd values (1e308); it is above any grid, as replayed system totals (PJM: ~150 GW) must pass. Set per kind to catch unit mistakes (a meter sending W as kW), e.g. `load=5000,pv=2000`. A kind not named in a list has no bound.',
  },
  INGEST_STUCK_AFTER_SECONDS: {
    schema: positiveInt.default(60),
    allowed: 'positive integer',
    defaultText: '60',
    description: 'A message received but neither acknowledged nor dead-lettered for this long counts as stuck: `gridcast_ingest_messages_stuck` shows it and `/ready` answers 503.',
  },
  MODELS_DIR: {
    schema: nonEmpty.default('./models'),
    allowed: 'directory path',
    defaultText: './models',
    description: 'Model registry: one folder per trained version, and what serves each series.',
  },
  SITES_FILE: {
    schema: nonEmpty.optional(),
    allowed: 'file path (YAML/JSON)',
    defaultText: '(unset)',
    description: 'Site descriptions (time zone, latitude, longitude, holidays; optionally pvArray tilt/azimuth, windTurbines hub height/power curve and feederRatings) used for local calendars, solar geometry, weather-forecast features and congestion risk; same `sites:` format as a simulator fleet file.',
  },
  DISPATCH_FILE: {
    schema: nonEmpty.optional(),
    allowed: 'file path (YAML/JSON)',
    defaultText: '(unset: no dispatch)',
    description: 'Per-site batteries, generators, grid limits, prices and reserve policy (`sites:` list, see examples/dispatch.example.yaml). When set, a dispatch plan is computed after every scheduled forecast run, stored and published retained on gridcast/v1/<site>/dispatch.',
  },
  DEFAULT_TIME_ZONE: {
    schema: z.string().refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone').default('UTC'),
    allowed: 'IANA time zone, e.g. Europe/Amsterdam',
    defaultText: 'UTC',
    description: 'Time zone of sites not described in SITES_FILE.',
  },
  FORECAST_CRON: {
    schema: cron.default('5 * * * *'),
    allowed: 'cron expression (node-cron)',
    defaultText: '5 * * * *',
    description: 'When forecasts are issued (default: hourly, 5 minutes past).',
  },
  RETRAIN_CRON: {
    schema: cron.default('30 2 * * *'),
    allowed: 'cron expression (node-cron)',
    defaultText: '30 2 * * *',
    description: 'When models are retrained (default: daily at 02:30). One instance trains at a time (lock in the store).',
  },
  FORECAST_HORIZON_HOURS: {
    schema: z.coerce.number().int().min(1).max(168).default(48),
    allowed: 'integer 1–168',
    defaultText: '48',
    description: 'How far ahead each forecast reaches.',
  },
  FORECAST_HISTORY_DAYS: {
    schema: z.coerce.number().int().min(21).max(3650).default(1825),
    allowed: 'integer 21–3650',
    defaultText: '1825',
    description: 'Days of history a model is trained on (at most). Training cost hardly grows with it: the epochs shrink (to at least 3) so that a fit makes about as many passes as 12 epochs over a year. On PJM East, day-ahead MAPE: 1 year 7.2 %, 3 years 6.6 %, 5 years 6.4 % (with time of year, a feature from 2 years of history on).',
  },
  FORECAST_VALIDATION_DAYS: {
    schema: z.coerce.number().int().min(1).max(365).default(28),
    allowed: 'integer 1–365',
    defaultText: '28',
    description: 'The last days of history held out to validate a new model against the serving one and the baselines.',
  },
  FORECAST_BAND_ADAPTATION: {
    schema: z.coerce.number().min(0).max(1).default(0.02),
    allowed: 'number 0–1 (0: off)',
    defaultText: '0.02',
    description: "How fast each forecast's P10–P90 band adapts to the serving model's scored misses (γ per scored hour of adaptive conformal inference): after every scored step each half of the band is widened if the actual fell beyond that edge, narrowed a little if not, so over time 10 % fall below P10 and 10 % above P90. P50 is untouched; the factors are stored with each point (band_scale_lower/upper).",
  },
  FORECAST_DRIFT_MARGIN: {
    schema: z.coerce.number().min(0).max(10).default(0.25),
    allowed: 'number 0–10 (0: off)',
    defaultText: '0.25',
    description:
      "Drift-triggered retrain: when a serving model's scored day-ahead error (leads 14–38 h, as validated) over the last FORECAST_DRIFT_DAYS exceeds its validation MAE by this fraction, its series is retrained at once instead of at the next retrain run, and why is recorded (GET /api/v1/models: lastDrift). Judged after each forecast run's scoring, on at least 3 days of scores of that model.",
  },
  FORECAST_DRIFT_DAYS: {
    schema: z.coerce.number().int().min(3).max(60).default(7),
    allowed: 'integer 3–60',
    defaultText: '7',
    description: 'Days of scored forecasts (forecast_error) the drift check compares with the validation MAE.',
  },
  FORECAST_RESOLUTION_MINUTES: {
    schema: z.enum(['15', '30', '60']).default('60').transform(Number),
    allowed: '15, 30, 60',
    defaultText: '60',
    description: 'Forecast resolution; telemetry is averaged into it.',
  },
  FORECAST_LEVELS: {
    schema: z.enum(['site', 'site,feeder']).default('site'),
    allowed: 'site, or site,feeder',
    defaultText: 'site',
    description: 'Which aggregation levels are forecast: site totals only, or also every feeder.',
  },
  WEATHER_FORECAST_SOURCE: {
    schema: z.enum(['none', 'open-meteo']).default('none'),
    allowed: 'none, open-meteo',
    defaultText: 'none',
    description: 'Where scheduled weather forecasts come from. open-meteo: fetched for every site in SITES_FILE (latitude/longitude) on WEATHER_FORECAST_CRON and stored in `weather_forecast`. none: no calls out (air-gapped sites, CI); forecasts published on gridcast/v1/<site>/weather-forecast are stored either way.',
  },
  WEATHER_FORECAST_URL: {
    schema: httpUrl.default('https://api.open-meteo.com'),
    allowed: 'http:// or https:// URL',
    defaultText: 'https://api.open-meteo.com',
    description: 'Base URL of the Open-Meteo forecast API (`/v1/forecast` is appended): e.g. https://customer-api.open-meteo.com for a commercial plan, or a self-hosted Open-Meteo.',
  },
  WEATHER_FORECAST_PREVIOUS_RUNS_URL: {
    schema: httpUrl.default('https://previous-runs-api.open-meteo.com'),
    allowed: 'http:// or https:// URL',
    defaultText: 'https://previous-runs-api.open-meteo.com',
    description: 'Base URL of Open-Meteo\'s Previous Runs API, which `gridcast weather backfill` reads past vintages from (customer-previous-runs-api.open-meteo.com for a commercial plan).',
  },
  WEATHER_FORECAST_API_KEY: {
    schema: nonEmpty.optional(),
    allowed: 'text',
    defaultText: '(unset)',
    description: 'Open-Meteo API key (commercial plans), sent as `apikey=`; never logged.',
  },
  WEATHER_FORECAST_CRON: {
    schema: cron.default('20 * * * *'),
    allowed: 'cron expression (node-cron)',
    defaultText: '20 * * * *',
    description: 'When weather forecasts are fetched (default: hourly, 20 minutes past, ahead of FORECAST_CRON\'s next run).',
  },
  WEATHER_FORECAST_DAYS: {
    schema: z.coerce.number().int().min(1).max(7).default(3),
    allowed: 'integer 1–7',
    defaultText: '3',
    description: 'Days of weather forecast fetched per site (Open-Meteo `forecast_days`; hours before the fetch are dropped, so leads stay within 0–168 h).',
  },
  GRIDCAST_TF_BACKEND: {
    schema: z.enum(['auto', ...TF_BACKEND_CHOICES]).default('auto'),
    allowed: `auto, ${TF_BACKEND_CHOICES.join(', ')}`,
    defaultText: 'auto',
    description: 'TensorFlow.js backend for training and forecasting. auto: the fastest that loads (node-gpu, node, wasm, cpu in that order); a name forces it and fails with the package to install when it cannot load.',
  },
  SCHEDULER_ENABLED: {
    schema: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    allowed: 'true, false',
    defaultText: 'true',
    description: '`gridcast start` runs the forecast and retraining jobs.',
  },
  JOB_QUEUE_URL: {
    schema: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'must be a URL like redis://host:6379').optional(),
    allowed: 'redis:// or rediss:// URL',
    defaultText: '(unset: one instance trains at a time, under the trainer lock in the store)',
    description:
      'Share training across every `gridcast schedule` instance through BullMQ on this Redis (6.2 or later): one job per series, each instance trains one series at a time, a killed worker\'s job goes to another after JOB_LOCK_SECONDS (docs/scaling.md: Training across instances).',
  },
  JOB_LOCK_SECONDS: {
    schema: z.coerce.number().int().min(5).max(3600).default(60),
    allowed: 'integer 5–3600',
    defaultText: '60',
    description: "With JOB_QUEUE_URL: how long a training job's lock lasts without renewal, so how soon a killed worker's series goes to another instance. Longer than any pause in a training run's event loop.",
  },
  API_KEYS_FILE: {
    schema: nonEmpty.default('./data/api-keys.json'),
    allowed: 'file path',
    defaultText: './data/api-keys.json',
    description: 'API keys made by `gridcast keys create`, stored as SHA-256 hashes (never the keys). Read again when it changes, so new and revoked keys apply to a running server within a second.',
  },
  API_KEYS: {
    schema: z
      .string()
      .refine((v) => v.split(',').every((entry) => API_KEY_ENTRY.test(entry.trim())), 'must be name:scope:key entries separated by commas (scope read, operate or admin; key at least 32 characters of A–Z a–z 0–9 _ -)')
      .transform((v) =>
        v.split(',').map((entry) => {
          const [name, scope, key] = entry.trim().split(':') as [string, 'read' | 'operate' | 'admin', string];
          return { name, scope, key };
        }),
      )
      .optional(),
    allowed: 'name:scope:key[,name:scope:key…], key at least 32 characters of A–Z a–z 0–9 _ -',
    defaultText: '(unset)',
    description: 'Extra API keys given in the environment, e.g. `grafana:read:<key>` for a Grafana container that reads the same variable. Kept in memory only (hashed); prefer API_KEYS_FILE elsewhere.',
  },
  API_LOOPBACK_READ: {
    schema: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    allowed: 'true, false',
    defaultText: 'true',
    description: 'Read access without a key for requests from loopback, only when HTTP_HOST is a loopback address and the request carries no proxy header (the built-in page works out of the box). Set false behind a reverse proxy on the same host.',
  },
  METRICS_PUBLIC: {
    schema: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    allowed: 'true, false',
    defaultText: 'false',
    description: '`/metrics` without a key (for a Prometheus that can\'t send one). Otherwise it needs a read key like the API.',
  },
  API_RATE_LIMIT_PER_MINUTE: {
    schema: positiveInt.default(1200),
    allowed: 'positive integer',
    defaultText: '1200',
    description: 'Requests per minute per API key (per client address without one); beyond it the API answers 429.',
  },
  API_REQUEST_TIMEOUT_MS: {
    schema: z.coerce.number().int().min(100).default(30_000),
    allowed: 'integer ≥ 100',
    defaultText: '30000',
    description: 'A request still unanswered after this gets 503; POST /models/train answers at once and trains in the background.',
  },
  API_CACHE_SECONDS: {
    schema: z.coerce.number().min(0).max(3600).default(5),
    allowed: 'number 0–3600 (0 = off)',
    defaultText: '5',
    description: 'How long forecast and dispatch answers are cached; after that, one request recomputes an answer while others still get the old one (for at most as long again). A write from this process clears them at once; the bound matters for writes from other processes sharing the store.',
  },
  UI_ENABLED: {
    schema: z.enum(['auto', 'true', 'false']).default('auto'),
    allowed: 'auto, true, false',
    defaultText: 'auto (on in `gridcast start`)',
    description: 'Serve the built-in operator page at `/`.',
  },
} satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/**
 * Settings that hold a secret. Each may instead be read from a file named by `<KEY>_FILE` (docker secrets,
 * Kubernetes secret volumes), so the secret itself never sits in the environment or in `docker inspect`.
 * API_KEYS has no such variant: API_KEYS_FILE is already the store of hashed keys (`gridcast keys create`),
 * which is the way to keep API keys out of the environment.
 */
export const SECRET_KEYS = ['MQTT_PASSWORD', 'INFLUX_TOKEN', 'INFLUX_PASSWORD', 'WEATHER_FORECAST_API_KEY'] as const satisfies readonly ConfigKey[];
export type SecretKey = (typeof SECRET_KEYS)[number];

/** The variable naming the file a secret setting is read from: INFLUX_TOKEN → INFLUX_TOKEN_FILE. */
export function secretFileVar(key: SecretKey): `${SecretKey}_FILE` {
  return `${key}_FILE`;
}

type Parsed = { [K in ConfigKey]: z.output<(typeof CONFIG_KEYS)[K]['schema']> };

const rawSchema = z.object(
  Object.fromEntries(Object.entries(CONFIG_KEYS).map(([k, spec]) => [k, spec.schema])) as {
    [K in ConfigKey]: (typeof CONFIG_KEYS)[K]['schema'];
  },
);

/**
 * Flat key/value settings → the typed, nested config the stages use. Combinations that no server
 * accepts are refused here, naming the key, rather than by the server at the first write.
 */
export const configSchema = rawSchema
  .superRefine((c, ctx) => {
    const v = c as Parsed;
    if (v.INFLUX_VERSION === '3' && v.INFLUX_RETENTION_POLICY !== undefined) {
      // InfluxDB 3 reads "db"."rp"."m" as the database "db/rp", which is not where write_lp?db=db writes.
      ctx.addIssue({ code: 'custom', path: ['INFLUX_RETENTION_POLICY'], message: 'InfluxDB 3 has no retention policies (INFLUX_VERSION=3); unset it' });
    }
    if (v.INFLUX_WRITE_ENDPOINT === 'v3' && (v.INFLUX_VERSION === '1' || v.INFLUX_VERSION === '2')) {
      ctx.addIssue({ code: 'custom', path: ['INFLUX_WRITE_ENDPOINT'], message: `/api/v3/write_lp exists only on InfluxDB 3 (INFLUX_VERSION=${v.INFLUX_VERSION})` });
    }
  })
  .transform((c) => toConfig(c as Parsed));

function toConfig(c: Parsed) {
  return {
    logLevel: c.LOG_LEVEL,
    logFormat: c.LOG_FORMAT,
    http: { host: c.HTTP_HOST, port: c.HTTP_PORT },
    mqtt: {
      url: c.MQTT_URL,
      username: c.MQTT_USERNAME,
      password: c.MQTT_PASSWORD,
      clientId: c.MQTT_CLIENT_ID,
      shareGroup: c.MQTT_SHARE_GROUP,
      shareTakeoverSeconds: c.MQTT_SHARE_TAKEOVER_SECONDS,
      protocolVersion: c.MQTT_PROTOCOL_VERSION as 4 | 5,
      sessionExpirySeconds: c.MQTT_SESSION_EXPIRY_SECONDS,
      receiveMaximum: c.MQTT_RECEIVE_MAXIMUM,
    },
    broker: { host: c.MQTT_BROKER_HOST, port: c.MQTT_BROKER_PORT },
    influx: c.INFLUX_URL
      ? {
          url: c.INFLUX_URL,
          database: c.INFLUX_DATABASE,
          retentionPolicy: c.INFLUX_RETENTION_POLICY,
          org: c.INFLUX_ORG,
          token: c.INFLUX_TOKEN,
          username: c.INFLUX_USERNAME,
          password: c.INFLUX_PASSWORD,
          version: c.INFLUX_VERSION,
          writeEndpoint: c.INFLUX_WRITE_ENDPOINT,
          timeoutMs: c.INFLUX_TIMEOUT_MS,
        }
      : undefined,
    duckdb: { path: c.DUCKDB_PATH },
    forecast: {
      modelsDir: c.MODELS_DIR,
      sitesFile: c.SITES_FILE,
      defaultTimeZone: c.DEFAULT_TIME_ZONE,
      forecastCron: c.FORECAST_CRON,
      retrainCron: c.RETRAIN_CRON,
      horizonHours: c.FORECAST_HORIZON_HOURS,
      historyDays: c.FORECAST_HISTORY_DAYS,
      validationDays: c.FORECAST_VALIDATION_DAYS,
      bandAdaptation: c.FORECAST_BAND_ADAPTATION,
      drift: { margin: c.FORECAST_DRIFT_MARGIN, days: c.FORECAST_DRIFT_DAYS },
      resolutionMinutes: c.FORECAST_RESOLUTION_MINUTES as 15 | 30 | 60,
      feederLevel: c.FORECAST_LEVELS === 'site,feeder',
      schedulerEnabled: c.SCHEDULER_ENABLED,
      jobQueue: c.JOB_QUEUE_URL ? { url: c.JOB_QUEUE_URL, lockSeconds: c.JOB_LOCK_SECONDS } : undefined,
      tfBackend: c.GRIDCAST_TF_BACKEND,
    },
    dispatch: { file: c.DISPATCH_FILE },
    weather: { source: c.WEATHER_FORECAST_SOURCE, url: c.WEATHER_FORECAST_URL, previousRunsUrl: c.WEATHER_FORECAST_PREVIOUS_RUNS_URL, apiKey: c.WEATHER_FORECAST_API_KEY, cron: c.WEATHER_FORECAST_CRON, days: c.WEATHER_FORECAST_DAYS },
    api: {
      keysFile: c.API_KEYS_FILE,
      envKeys: c.API_KEYS ?? [],
      loopbackRead: c.API_LOOPBACK_READ,
      metricsPublic: c.METRICS_PUBLIC,
      rateLimitPerMinute: c.API_RATE_LIMIT_PER_MINUTE,
      requestTimeoutMs: c.API_REQUEST_TIMEOUT_MS,
      cacheSeconds: c.API_CACHE_SECONDS,
      ui: c.UI_ENABLED,
    },
    ingest: {
      spoolDir: c.SPOOL_DIR,
      maxAgeHours: c.INGEST_MAX_AGE_HOURS,
      batchMaxReadings: c.INGEST_BATCH_MAX_READINGS,
      heapGrowthPercent: c.INGEST_HEAP_GROWTH_PERCENT,
      statsIntervalSeconds: c.INGEST_STATS_INTERVAL_SECONDS,
      powerLimitsKw: c.INGEST_POWER_LIMITS_KW,
      stuckAfterSeconds: c.INGEST_STUCK_AFTER_SECONDS,
    },
  };
}

export type GridcastConfig = z.output<typeof configSchema>;
export type InfluxConfig = NonNullable<GridcastConfig['influx']>;
export type MqttConfig = GridcastConfig['mqtt'];
export type IngestConfig = GridcastConfig['ingest'];
export type ForecastConfig = GridcastConfig['forecast'];
export type ApiConfig = GridcastConfig['api'];
export type DispatchConfig = GridcastConfig['dispatch'];
export type WeatherConfig = GridcastConfig['weather'];
