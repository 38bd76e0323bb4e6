import { ConflictError, NotFoundError } from '../../common/errors.js';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PointMetrics } from '../evaluation/metrics.js';
import type { Serving } from './promotion.js';
import type { ForecastTarget } from '../../contract/index.js';

/** The series a model forecasts: a site total (`feeder: 'all'`) or one feeder, for one target. */
export interface SeriesRef {
  site: string;
  feeder: string;
  target: ForecastTarget;
}

export interface ModelMetadata {
  version: string;
  series: SeriesRef;
  resolutionMs: number;
  features: string[];
  /** Fitted on training data only; needed to use the weights. */
  scalers: unknown;
  options: unknown;
  trainingWindow: { from: string; to: string };
  validation: { window: { from: string; to: string }; model: PointMetrics; baselines: Record<string, PointMetrics> };
  backend: string;
  packageVersion: string;
  createdAt: string;
}

export interface ServingState {
  serving: Serving | undefined;
  history: { at: string; action: 'promote' | 'keep' | 'rollback' | 'manual'; serving: Serving; reason: string }[];
  /** The latest forecast the serving model could not make (no weather forecast), what made it instead and why. */
  lastFallback?: FallbackRecord;
  /** The latest drift-triggered retrain: when, and the scored error that triggered it. */
  lastDrift?: DriftRecord;
}

export interface DriftRecord {
  at: string;
  /** The serving model whose scored error drifted. */
  model: string;
  liveMaeKw: number;
  validationMaeKw: number;
  reason: string;
}

export interface FallbackRecord {
  at: string;
  /** The baseline that forecast instead. */
  used: string;
  reason: string;
}

/**
 * Trained models on disk (`models/` by default), one folder per version:
 * `models/<site>/<feeder>/<target>/<version>/` with the model files and `metadata.json`, and
 * `serving.json` per series saying what serves and why. The same in standalone and InfluxDB mode.
 * Files are written to a temporary name and renamed, so a crash never leaves half a model.
 */
export class ModelRegistry {
  constructor(private readonly dir: string) {}

  private seriesDir(s: SeriesRef): string {
    return join(this.dir, s.site, s.feeder, s.target);
  }

  async saveVersion(meta: Omit<ModelMetadata, 'version'>, files: Record<string, Uint8Array | string>, nowMs = Date.now()): Promise<string> {
    const version = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const target = join(this.seriesDir(meta.series), version);
    const tmp = `${target}.tmp-${process.pid}`;
    await mkdir(tmp, { recursive: true });
    for (const [name, data] of Object.entries(files)) await writeFile(join(tmp, name), data);
    await writeFile(join(tmp, 'metadata.json'), `${JSON.stringify({ version, ...meta }, null, 2)}\n`);
    await rename(tmp, target);
    return version;
  }

  async metadata(s: SeriesRef, version: string): Promise<ModelMetadata> {
    return JSON.parse(await readFile(join(this.seriesDir(s), version, 'metadata.json'), 'utf8')) as ModelMetadata;
  }

  async readFile(s: SeriesRef, version: string, name: string): Promise<Buffer> {
    return readFile(join(this.seriesDir(s), version, name));
  }

  /** Versions of one series, oldest first. */
  async versions(s: SeriesRef): Promise<ModelMetadata[]> {
    const names = await readdir(this.seriesDir(s)).catch(() => [] as string[]);
    const versions = names.filter((n) => /^\d{8}T\d{6}Z$/.test(n)).sort();
    return Promise.all(versions.map((v) => this.metadata(s, v)));
  }

  /** Every series that has a model or a serving decision. */
  async seriesList(): Promise<SeriesRef[]> {
    const out: SeriesRef[] = [];
    for (const site of await readdir(this.dir).catch(() => [] as string[])) {
      for (const feeder of await readdir(join(this.dir, site)).catch(() => [] as string[])) {
        for (const target of await readdir(join(this.dir, site, feeder)).catch(() => [] as string[])) {
          if (target === 'load' || target === 'pv' || target === 'wind') out.push({ site, feeder, target });
        }
      }
    }
    return out;
  }

  async serving(s: SeriesRef): Promise<ServingState> {
    try {
      return JSON.parse(await readFile(join(this.seriesDir(s), 'serving.json'), 'utf8')) as ServingState;
    } catch {
      return { serving: undefined, history: [] };
    }
  }

  /** Records what serves from now on, and why. */
  async setServing(s: SeriesRef, serving: Serving, action: ServingState['history'][number]['action'], reason: string, nowMs = Date.now()): Promise<void> {
    if (serving.kind === 'model' && !(await this.versions(s)).some((m) => m.version === serving.version)) {
      throw new NotFoundError('model version', serving.version, `no model version ${serving.version} for ${s.site}/${s.feeder}/${s.target}; see 'gridcast models list'`);
    }
    const state = await this.serving(s);
    state.serving = serving;
    state.history.push({ at: new Date(nowMs).toISOString(), action, serving, reason });
    await this.writeState(s, state);
  }

  private async writeState(s: SeriesRef, state: ServingState): Promise<void> {
    await mkdir(this.seriesDir(s), { recursive: true });
    const file = join(this.seriesDir(s), 'serving.json');
    await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
  }

  /** Records that the serving model couldn't forecast and what did instead (shown by /api/v1/models). */
  async recordFallback(s: SeriesRef, record: FallbackRecord): Promise<void> {
    const state = await this.serving(s);
    state.lastFallback = record;
    await this.writeState(s, state);
  }

  async recordDrift(s: SeriesRef, record: DriftRecord): Promise<void> {
    const state = await this.serving(s);
    state.lastDrift = record;
    await this.writeState(s, state);
  }

  /** Back to what served before the current choice. */
  async rollback(s: SeriesRef, nowMs = Date.now()): Promise<Serving> {
    const state = await this.serving(s);
    const current = state.serving;
    const previous = [...state.history].reverse().find((h) => JSON.stringify(h.serving) !== JSON.stringify(current));
    if (!previous) throw new ConflictError(`nothing to roll back to for ${s.site}/${s.feeder}/${s.target}: it has served only ${current ? JSON.stringify(current) : 'nothing'}`);
    await this.setServing(s, previous.serving, 'rollback', `rolled back from ${JSON.stringify(current)}`, nowMs);
    return previous.serving;
  }
}
