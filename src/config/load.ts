import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError, errorMessage } from '../common/errors.js';
import { CONFIG_KEYS, configSchema, type ConfigKey, type GridcastConfig } from './schema.js';

/** Environment variable naming the optional config file (YAML or JSON, same keys as the environment). */
export const CONFIG_FILE_VAR = 'GRIDCAST_CONFIG';

type Source = 'environment' | 'config file';

/**
 * Reads the config file (if GRIDCAST_CONFIG names one), overlays the environment, validates
 * everything at once and throws a ConfigError naming each bad key, its value and what is allowed.
 * Empty environment variables count as unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<ConfigKey, string>> = {}): GridcastConfig {
  const raw: Record<string, string> = {};
  const source: Record<string, Source | 'command line'> = {};
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
