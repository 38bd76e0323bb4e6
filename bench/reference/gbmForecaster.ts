/**
 * The gradient-boosting peer of bench:forecast: a Forecaster whose feature rows are built here
 * (gbmFeatures.ts, only what was observed before each issue time) and whose model is scikit-learn's
 * HistGradientBoostingRegressor with loss='quantile' (P10, P50, P90: three models), run by
 * bench/reference/gbm_sklearn.py in a worker process of Debian's /usr/bin/python3. runBacktest refits and
 * scores it like every other model (same split, same metrics, same adaptive bands).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { lastObserved } from '../../src/forecast/data/series.js';
import type { ForecastInput, ForecastRequest, Forecaster, QuantileForecast } from '../../src/forecast/types.js';
import { gbmRows, gbmTrainingSet, type DayAheadConvention, type GbmTargetMode } from './gbmFeatures.js';

export const GBM_PYTHON = '/usr/bin/python3';
export const GBM_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'gbm_sklearn.py');
export const GBM_INSTALL_HINT = 'install Debian python3-sklearn (apt-get install python3-sklearn)';

/** HistGradientBoostingRegressor parameters passed to every fit (gbm_sklearn.py's DEFAULTS otherwise). */
export interface GbmParams {
  max_iter?: number;
  learning_rate?: number;
  early_stopping?: boolean;
  random_state?: number;
  max_leaf_nodes?: number;
  min_samples_leaf?: number;
}

/** What fits and predicts the quantiles from feature rows: the scikit-learn worker, or a stand-in in tests. */
export interface GbmBackend {
  fit(features: number[][], targets: number[], params: GbmParams): Promise<void>;
  predict(features: number[][]): Promise<{ p10: number[]; p50: number[]; p90: number[] }>;
  close(): Promise<void>;
}

export interface GbmForecasterOptions extends Partial<DayAheadConvention> {
  /** Fits on the day-ahead issues of at most this many days before the fit's end (the LSTM's window; default 365). */
  trainDays?: number;
  params?: GbmParams;
  backend?: GbmBackend;
  /** Default: 'ratio' for load, 'level' for PV and wind (whose week-back value is often 0). */
  mode?: GbmTargetMode;
}

/** Undefined when `python -c 'import sklearn'` works, else why not. */
export function checkSklearn(python = GBM_PYTHON): string | undefined {
  const probe = spawnSync(python, ['-c', 'import sklearn.ensemble'], { env: workerEnv(), encoding: 'utf8', timeout: 120_000 });
  if (probe.error) return `${python} could not be run (${probe.error.message})`;
  if (probe.status !== 0) return `${python} -c 'import sklearn' failed: ${probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`}`;
  return undefined;
}

/** One thread, like the PyTorch reference: steadier next to other work, and tfjs-wasm trains on one too. */
function workerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
}

/** JSON has no NaN: a missing value travels as null (numpy reads it back as nan). */
const toJsonRows = (rows: number[][]) => rows.map((r) => r.map((v) => (Number.isFinite(v) ? v : null)));

/** The scikit-learn worker (gbm_sklearn.py): started on the first request, one request at a time. */
export class SklearnGbmBackend implements GbmBackend {
  private child: ChildProcessWithoutNullStreams | undefined;
  private lines: Interface | undefined;
  private pending: ((line: string | undefined) => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private stderr = '';
  sklearnVersion: string | undefined;
  /** Seconds spent fitting inside Python, summed over fits. */
  fitSeconds = 0;

  constructor(private readonly python = GBM_PYTHON) {}

  async fit(features: number[][], targets: number[], params: GbmParams): Promise<void> {
    const reply = (await this.request({ op: 'fit', X: toJsonRows(features), y: targets, params })) as { seconds: number };
    this.fitSeconds += reply.seconds;
  }

  async predict(features: number[][]): Promise<{ p10: number[]; p50: number[]; p90: number[] }> {
    return (await this.request({ op: 'predict', X: toJsonRows(features) })) as { p10: number[]; p50: number[]; p90: number[] };
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.stdin.end();
    });
  }

  private request(body: object): Promise<unknown> {
    const run = this.queue.then(async () => {
      await this.start();
      const reply = this.nextLine();
      this.child!.stdin.write(`${JSON.stringify(body)}\n`);
      const parsed = JSON.parse(await reply) as { error?: string };
      if (parsed.error !== undefined) throw new Error(`gbm_sklearn.py: ${parsed.error}`);
      return parsed;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private nextLine(): Promise<string> {
    return new Promise((resolve, reject) =>
      this.pending.push((line) => (line === undefined ? reject(new Error(`gbm_sklearn.py exited: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`)) : resolve(line))),
    );
  }

  private async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(this.python, [GBM_SCRIPT], { env: workerEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-4000)));
    const lines = createInterface({ input: child.stdout });
    this.lines = lines;
    lines.on('line', (line) => this.pending.shift()?.(line));
    const fail = () => {
      for (const p of this.pending.splice(0)) p(undefined);
      if (this.child === child) this.child = undefined;
    };
    child.on('exit', fail);
    child.on('error', (err) => {
      this.stderr += String(err);
      fail();
    });
    const hello = JSON.parse(await this.nextLine()) as { sklearn: string };
    this.sklearnVersion = hello.sklearn;
  }
}

export class GbmForecaster implements Forecaster {
  readonly name = 'gbm-sklearn';
  readonly backend: GbmBackend;
  private readonly convention: DayAheadConvention;
  private readonly trainDays: number;
  private readonly params: GbmParams;
  private readonly mode: GbmTargetMode | undefined;
  private fitted = false;
  /** Wall time of fit and predict, Python included (ms), and the rows of the last fit. */
  readonly timing = { fits: 0, fitMs: 0, predicts: 0, predictMs: 0, trainingRows: 0 };

  constructor(o: GbmForecasterOptions = {}) {
    this.convention = { issueHourLocal: o.issueHourLocal ?? 10, horizonSteps: o.horizonSteps ?? 24 };
    this.trainDays = o.trainDays ?? 365;
    this.params = o.params ?? {};
    this.backend = o.backend ?? new SklearnGbmBackend();
    this.mode = o.mode;
  }

  async fit(input: ForecastInput): Promise<void> {
    const started = performance.now();
    const set = gbmTrainingSet(input, this.convention, this.trainDays, this.modeFor(input));
    if (set.targets.length === 0) throw new RangeError('gbm-sklearn: no training rows (the fit needs at least 15 days of history)');
    await this.backend.fit(set.features, set.targets, this.params);
    this.fitted = true;
    this.timing.fits++;
    this.timing.trainingRows = set.targets.length;
    this.timing.fitMs += performance.now() - started;
  }

  async predict(input: ForecastInput, req: ForecastRequest): Promise<QuantileForecast> {
    if (!this.fitted) throw new Error('gbm-sklearn: predict before fit');
    const started = performance.now();
    const mode = this.modeFor(input);
    const rows = gbmRows(input, req, mode);
    const q = await this.backend.predict(rows.features);
    // No week-back value known (a long gap): the ratio scales the last observation instead.
    const fallback = lastObserved(input.series);
    const floor = input.context.target === 'load' ? Number.NEGATIVE_INFINITY : 0;
    const scale = (v: number, i: number) => Math.max(floor, v * (Number.isFinite(rows.base[i]!) ? rows.base[i]! : fallback));
    const out: QuantileForecast = { issuedAtMs: req.issuedAtMs, timesMs: rows.timesMs, p10: [], p50: [], p90: [] };
    rows.timesMs.forEach((_, i) => {
      // A negative base would swap the band's ends: sorted again after scaling.
      const [p10, p50, p90] = [scale(q.p10[i]!, i), scale(q.p50[i]!, i), scale(q.p90[i]!, i)].sort((a, b) => a - b) as [number, number, number];
      out.p10.push(p10);
      out.p50.push(p50);
      out.p90.push(p90);
    });
    this.timing.predicts++;
    this.timing.predictMs += performance.now() - started;
    return out;
  }

  close(): Promise<void> {
    return this.backend.close();
  }

  private modeFor(input: ForecastInput): GbmTargetMode {
    return this.mode ?? (input.context.target === 'load' ? 'ratio' : 'level');
  }
}
