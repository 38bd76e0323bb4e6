import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError, errorMessage } from '../common/errors.js';
import { CONFIG_KEYS, configSchema, SECRET_KEYS, secretFileVar, type ConfigKey, type GridcastConfig } from './schema.js';

/** Environment variable naming the optional config file (YAML or JSON, same keys as the environment). */
export const CONFIG_FILE_VAR = 'GRIDCAST_CONFIG';

/** Where a value came from, as error messages name it: 'environment', 'config file', "file '/run/secrets/x' (INFLUX_TOKEN_FILE)"… */
type Source = string;

/**
 * Reads the config file (if GRIDCAST_CONFIG names one), overlays the environment, validates
 * everything at once and throws a ConfigError naming each bad key, its value and what is allowed.
 * Empty environment variables count as unset. A secret (SECRET_KEYS) may come from the file named by
 * `<KEY>_FILE` in the environment instead, its trailing newline trimmed (`echo secret > file` adds one).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<ConfigKey, string>> = {}): GridcastConfig {
  const raw: Record<string, string> = {};
  const source: Record<string, Source> = {};
  const problems: string[] = [];

  const file = env[CONFIG_FILE_VAR];
  if (file) {
    for (const [key, value] of Object.entries(readConfigFile(file))) {
      if (!(key in CONFIG_KEYS)) {
        problems.push(`${key} in config file ${file}: unknown setting (known: ${Object.keys(CONFIG_KEYS).join(', ')})`);
        continue;
      }
      raw[key] = String(value);
      source[key] = 'config file';
    }
  }
  for (const key of Object.keys(CONFIG_KEYS)) {
    const value = env[key];
    if (value !== undefined && value !== '') {
      raw[key] = value;
      source[key] = 'environment';
    }
  }
  for (const key of SECRET_KEYS) {
    const fileVar = secretFileVar(key);
    const path = env[fileVar];
    if (path === undefined || path === '') continue;
    // Two sources for one secret is a mistake either way round: refuse it rather than pick one silently.
    if (env[key] !== undefined && env[key] !== '') {
      problems.push(`${key} and ${fileVar} are both set: set only one (${key} holds the value, ${fileVar} the path of a file holding it)`);
      continue;
    }
    const secret = readSecretFile(fileVar, key, path);
    if ('problem' in secret) {
      problems.push(secret.problem);
      continue;
    }
    raw[key] = secret.value;
    source[key] = `file '${path}' (${fileVar})`;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) {
      raw[key] = value;
      source[key] = 'command line';
    }
  }

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '?') as ConfigKey;
      const spec = CONFIG_KEYS[key];
      // Secrets are never echoed, not even in an error message.
      const shown = /PASSWORD|TOKEN|API_KEYS?$/.test(key) ? '(hidden)' : `'${raw[key]}'`;
      const given = key in raw ? `${shown} (from ${source[key]})` : 'nothing';
      problems.push(`${key}: got ${given}; ${issue.message}. Allowed: ${spec?.allowed ?? '?'}.`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (!result.success) throw new ConfigError(['unreachable']);
  return result.data;
}

/**
 * One setting, validated by its schema like loadConfig does, for code that runs without a whole
 * configuration (a library call, a benchmark): the parsed value, or a ConfigError naming the key.
 */
export function readConfigKey<K extends ConfigKey>(key: K, env: Readonly<Record<string, string | undefined>> = process.env): z.output<(typeof CONFIG_KEYS)[K]['schema']> {
  const raw = env[key];
  const spec = CONFIG_KEYS[key];
  const result = spec.schema.safeParse(raw === '' ? undefined : raw);
  if (!result.success) throw new ConfigError([`${key}: got '${raw}'; ${result.error.issues[0]?.message ?? 'invalid'}. Allowed: ${spec.allowed}.`]);
  return result.data as z.output<(typeof CONFIG_KEYS)[K]['schema']>;
}

/** The secret in `path` without its trailing newline(s), or why it can't be used (never the secret itself). */
function readSecretFile(fileVar: string, key: string, path: string): { value: string } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { problem: `${fileVar}: cannot read '${path}' (the file holding ${key}): ${errorMessage(err)}` };
  }
  const value = text.replace(/(\r?\n)+$/, '');
  if (value === '') return { problem: `${fileVar}: '${path}' (the file holding ${key}) is empty` };
  return { value };
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${CONFIG_FILE_VAR}: cannot read config file '${path}': ${errorMessage(err)}`]);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text); // YAML is a superset of JSON: one parser for both
  } catch (err) {
    throw new ConfigError([`${CONFIG_FILE_VAR}: config file '${path}' is not valid YAML/JSON: ${errorMessage(err)}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([`${CONFIG_FILE_VAR}: config file '${path}' must hold a map of SETTING: value`]);
  }
  return parsed as Record<string, unknown>;
}
