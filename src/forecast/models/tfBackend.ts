import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Logger } from '../../common/logger.js';
import { ConfigError, DependencyMissingError, errorMessage } from '../../common/errors.js';
import { readConfigKey, TF_BACKEND_CHOICES, type TfBackendChoice } from '../../config/index.js';

/**
 * Picks the fastest TensorFlow.js backend that loads on this machine, once per process.
 * Order: tfjs-node-gpu (CUDA), tfjs-node (libtensorflow), tfjs-backend-wasm (SIMD), pure-JS cpu.
 * The native packages are optionalDependencies: their install downloads libtensorflow, so they
 * are often absent, and that is a normal fallback, not an error.
 */

export { TF_BACKEND_CHOICES, type TfBackendChoice };

/** The setting that forces a backend (src/config/schema.ts). */
export const TF_BACKEND_ENV = 'GRIDCAST_TF_BACKEND';

/** Loads a module by specifier; injectable so tests can simulate a missing package. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

interface Candidate {
  choice: TfBackendChoice;
  /** The npm package to import; undefined for cpu, which ships inside @tensorflow/tfjs. */
  packageName: string | undefined;
  /** The name the package registers with tf.registerBackend. */
  tfBackendName: string;
}

const CANDIDATES: readonly Candidate[] = [
  // GPU: a thin switch. tfjs-node-gpu registers the same 'tensorflow' backend as tfjs-node, built
  // against CUDA; it fails to load (missing libcudart/libcudnn) on machines without them, and then
  // we fall through to tfjs-node. Never exercised here: this machine has no GPU.
  { choice: 'node-gpu', packageName: '@tensorflow/tfjs-node-gpu', tfBackendName: 'tensorflow' },
  { choice: 'node', packageName: '@tensorflow/tfjs-node', tfBackendName: 'tensorflow' },
  { choice: 'wasm', packageName: '@tensorflow/tfjs-backend-wasm', tfBackendName: 'wasm' },
  { choice: 'cpu', packageName: undefined, tfBackendName: 'cpu' },
];

export interface SkippedBackend {
  choice: TfBackendChoice;
  reason: string;
}

export interface ResolvedTfBackend {
  choice: TfBackendChoice;
  /** tf.getBackend() after activation ('tensorflow', 'wasm', 'cpu'). */
  tfBackendName: string;
  /** Why each earlier candidate was not used (empty when forced). */
  skipped: SkippedBackend[];
  forced: boolean;
}

export interface ResolveTfBackendOptions {
  logger: Logger;
  importer?: ModuleImporter;
  /** Environment to read GRIDCAST_TF_BACKEND from (validated by the config schema); defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

const defaultImporter: ModuleImporter = (specifier) => import(specifier);

let resolution: Promise<ResolvedTfBackend> | undefined;
/** GRIDCAST_TF_BACKEND as the process's configuration has it (config file or environment); see useTfBackendSetting. */
let configured: TfBackendChoice | 'auto' | undefined;

/**
 * The composition root hands the configured setting here, so a config file's GRIDCAST_TF_BACKEND counts
 * as the environment's does. Without it, the environment is read (validated by the same schema).
 */
export function useTfBackendSetting(setting: TfBackendChoice | 'auto'): void {
  configured = setting;
}

/**
 * Resolves and activates the backend. Memoised: the first call's options decide for the whole
 * process (tfjs has one global engine), later calls get the same answer.
 */
export function resolveTfBackend(options: ResolveTfBackendOptions): Promise<ResolvedTfBackend> {
  resolution ??= doResolve(options).catch((err: unknown) => {
    // A failed forced choice must not be cached: the operator may fix the env and retry in-process.
    resolution = undefined;
    throw err;
  });
  return resolution;
}

/** Test-only: forget the memoised choice so the next call resolves again. */
export function resetTfBackendResolution(): void {
  resolution = undefined;
}

async function doResolve(options: ResolveTfBackendOptions): Promise<ResolvedTfBackend> {
  const log = options.logger.child({ component: 'tf-backend' });
  const importer = options.importer ?? defaultImporter;
  const env = options.env ?? (configured !== undefined ? { [TF_BACKEND_ENV]: configured } : process.env);
  const forcedRaw = env[TF_BACKEND_ENV]?.trim();
  let setting: TfBackendChoice | 'auto';
  try {
    setting = readConfigKey(TF_BACKEND_ENV, { [TF_BACKEND_ENV]: forcedRaw });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new DependencyMissingError(`${TF_BACKEND_ENV}=${forcedRaw} is not a TensorFlow.js backend; use one of ${TF_BACKEND_CHOICES.join(', ')} (or auto)`);
  }

  if (setting !== 'auto') {
    const candidate = CANDIDATES.find((c) => c.choice === setting)!;
    try {
      await activate(candidate, importer);
    } catch (err) {
      const install = candidate.packageName === undefined ? '' : ` (npm install ${candidate.packageName})`;
      throw new DependencyMissingError(
        `${TF_BACKEND_ENV}=${forcedRaw} but the ${candidate.packageName ?? 'cpu'} backend could not be loaded${install}: ${errorMessage(err)}`,
      );
    }
    const resolved: ResolvedTfBackend = { choice: candidate.choice, tfBackendName: tf.getBackend(), skipped: [], forced: true };
    log.info({ backend: resolved.choice, tfBackend: resolved.tfBackendName }, `TensorFlow.js backend forced by ${TF_BACKEND_ENV}`);
    return resolved;
  }

  const skipped: SkippedBackend[] = [];
  for (const candidate of CANDIDATES) {
    try {
      await activate(candidate, importer);
      for (const s of skipped) log.info({ backend: s.choice, reason: s.reason }, 'TensorFlow.js backend skipped');
      const resolved: ResolvedTfBackend = { choice: candidate.choice, tfBackendName: tf.getBackend(), skipped, forced: false };
      log.info({ backend: resolved.choice, tfBackend: resolved.tfBackendName }, 'TensorFlow.js backend selected');
      return resolved;
    } catch (err) {
      skipped.push({ choice: candidate.choice, reason: describeFailure(candidate, err) });
    }
  }
  // Unreachable in practice: the cpu backend is bundled with @tensorflow/tfjs.
  throw new DependencyMissingError(`No TensorFlow.js backend could be loaded: ${skipped.map((s) => `${s.choice}: ${s.reason}`).join('; ')}`);
}

async function activate(candidate: Candidate, importer: ModuleImporter): Promise<void> {
  if (candidate.packageName !== undefined) {
    const mod = await importer(candidate.packageName);
    if (candidate.choice === 'wasm') configureWasm(mod);
  }
  // setBackend resolves false (rather than throwing) when the backend's init fails.
  const ok = await tf.setBackend(candidate.tfBackendName);
  if (!ok) throw new Error(`tf.setBackend('${candidate.tfBackendName}') failed`);
  await tf.ready();
}

/**
 * Points the wasm backend at the .wasm files in its own dist folder. In Node it finds them by
 * itself (emscripten uses the script's directory), but an explicit path survives bundling.
 * Threads: the threaded binary needs Web Workers from a URL, which Node 20 refuses
 * (ERR_WORKER_PATH), so keep that flag off; SIMD loads and is used.
 */
function configureWasm(mod: unknown): void {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const setWasmPaths = findFunction(mod, 'setWasmPaths');
  if (setWasmPaths === undefined) return;
  let distDir: string;
  try {
    distDir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  } catch {
    return; // Resolved by a custom importer: let the package locate its own files.
  }
  try {
    setWasmPaths(distDir + path.sep);
  } catch {
    // Throws if wasm already initialised once in this process (e.g. after a test reset): paths are set.
  }
}

function findFunction(mod: unknown, name: string): ((arg: string) => void) | undefined {
  if (typeof mod !== 'object' || mod === null) return undefined;
  const direct: unknown = (mod as Record<string, unknown>)[name];
  if (typeof direct === 'function') return direct as (arg: string) => void;
  const viaDefault: unknown = (mod as { default?: Record<string, unknown> }).default?.[name];
  return typeof viaDefault === 'function' ? (viaDefault as (arg: string) => void) : undefined;
}

function describeFailure(candidate: Candidate, err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    return `${candidate.packageName ?? candidate.choice} is not installed`;
  }
  return `${candidate.packageName ?? candidate.choice} failed to load: ${errorMessage(err)}`;
}
