import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyFile, startHttpServer, type AppOptions, type RunningHttpServer } from '../../src/api/index.js';
import { silentLogger, type Logger } from '../../src/common/logger.js';
import { createMetricsRegistry } from '../../src/common/metrics.js';
import { loadConfig } from '../../src/config/index.js';
import { ModelRegistry } from '../../src/forecast/index.js';
import { storesForApi } from '../../src/cli/apiServer.js';
import type { Stores } from '../../src/storage/index.js';

export interface TestApi {
  url: string;
  /** The stores as the API's process uses them: writes through them clear the API's cache. */
  stores: Stores;
  keys: { read: string; operate: string; admin: string };
  keysFile: ApiKeyFile;
  modelsDir: string;
  close(): Promise<void>;
}

export interface TestApiOptions {
  /** Configuration as environment variables (API_*, METRICS_PUBLIC, …). */
  env?: Record<string, string>;
  host?: string;
  ui?: boolean;
  /** The server's logger (default: silent). */
  logger?: Logger;
  deps?: Partial<Pick<AppOptions, 'runForecasts' | 'startTraining' | 'runDispatch' | 'storePrices' | 'models' | 'registry' | 'now' | 'sites'>>;
}

/** The real HTTP server in this process on a free port, over real stores, with one key per scope. */
export async function startTestApi(rawStores: Stores, o: TestApiOptions = {}): Promise<TestApi> {
  const dir = await mkdtemp(join(tmpdir(), 'gridcast-api-'));
  const config = loadConfig({ API_KEYS_FILE: join(dir, 'keys.json'), MODELS_DIR: join(dir, 'models'), ...o.env });
  const keysFile = new ApiKeyFile(config.api.keysFile);
  const keys = {
    read: (await keysFile.create('reader', 'read')).key,
    operate: (await keysFile.create('operator', 'operate')).key,
    admin: (await keysFile.create('administrator', 'admin')).key,
  };
  const { stores, cache } = storesForApi(config, rawStores);
  const http: RunningHttpServer = await startHttpServer({
    host: o.host ?? '127.0.0.1',
    port: 0,
    registry: o.deps?.registry ?? createMetricsRegistry(),
    logger: o.logger ?? silentLogger,
    readiness: async () => [{ name: 'store', ok: (await stores.health()).ok }],
    stores,
    config: config.api,
    ui: o.ui ?? false,
    cache,
    models: o.deps?.models ?? new ModelRegistry(config.forecast.modelsDir),
    ...o.deps,
  });
  return {
    url: `http://127.0.0.1:${http.port}`,
    stores,
    keys,
    keysFile,
    modelsDir: config.forecast.modelsDir,
    close: async () => {
      await http.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer<T = unknown> {
  status: number;
  type: string;
  headers: Headers;
  text: string;
  json: T;
}

/** fetch with a key (or none), reading the body once as text and, when it is JSON, parsed. */
export async function call<T = unknown>(url: string, key: string | undefined, init: RequestInit & { accept?: string } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  if (init.accept) headers.accept = init.accept;
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, headers: res.headers, text, json: (/json/.test(type) ? JSON.parse(text) : undefined) as T };
}

export function postJson<T = unknown>(url: string, key: string | undefined, body: unknown): Promise<Answer<T>> {
  return call<T>(url, key, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
