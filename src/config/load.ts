/** The only module that reads process.env. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml, YAMLError } from 'yaml';
import { configSchema, type CascadeConfig } from './schema.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly problems: readonly string[],
    source: string,
  ) {
    super(`配置有误（${source}）：\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export const DEFAULT_CONFIG_FILE = 'config/cascade.yaml';

type Env = Readonly<Record<string, string | undefined>>;

/** Validates raw config, lists every bad key, and returns a deeply frozen result. */
export function parseConfig(raw: unknown, source = 'config'): CascadeConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((k) => `${path ? `${path}.` : ''}${k}: unknown key`).join('; ');
      }
      return `${path || '(root)'}: ${issue.message}`;
    });
    throw new ConfigError(problems, source);
  }
  return deepFreeze(result.data);
}

/**
 * Reads the YAML config file (`configFile`, else CASCADE_CONFIG, else config/cascade.yaml if present) and applies
 * environment overrides: REDIS_URL, CASCADE_DATA_DIR, CASCADE_ORG, LOG_LEVEL.
 */
export function loadConfig(env: Env = process.env, overrides: Record<string, unknown> = {}, configFile?: string): CascadeConfig {
  const named = configFile ?? env['CASCADE_CONFIG'];
  const file = named ?? DEFAULT_CONFIG_FILE;
  let raw: Record<string, unknown> = {};
  if (existsSync(file)) {
    const parsed = readYaml(readFileSync(file, 'utf8'), file);
    if (parsed !== null && typeof parsed === 'object') raw = parsed as Record<string, unknown>;
    else if (parsed !== null && parsed !== undefined) throw new ConfigError(['(root): must be a mapping'], file);
  } else if (named) {
    throw new ConfigError([`file not found: ${resolve(file)}`], file);
  }
  const merged = mergeEnv({ ...raw, ...overrides }, env);
  return parseConfig(merged, existsSync(file) ? file : 'defaults');
}

/** YAML as a config or drill file holds it; a syntax error becomes a ConfigError naming the line. */
export function readYaml(text: string, source: string): unknown {
  try {
    return parseYaml(text);
  } catch (error) {
    if (error instanceof YAMLError) {
      const line = error.linePos?.[0].line;
      const where = line === undefined ? '' : `第 ${line} 行`;
      throw new ConfigError([`YAML 格式有误${where ? `（${where}）` : ''}：${error.message.split('\n')[0] ?? ''}`], source);
    }
    throw error;
  }
}

function mergeEnv(raw: Record<string, unknown>, env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  const section = (key: string): Record<string, unknown> => {
    const current = out[key];
    const copy = current !== null && typeof current === 'object' ? { ...(current as Record<string, unknown>) } : {};
    out[key] = copy;
    return copy;
  };
  if (env['REDIS_URL']) section('redis')['url'] = env['REDIS_URL'];
  if (env['CASCADE_DATA_DIR']) out['dataDir'] = env['CASCADE_DATA_DIR'];
  if (env['CASCADE_ORG']) out['org'] = env['CASCADE_ORG'];
  if (env['LOG_LEVEL']) section('log')['level'] = env['LOG_LEVEL'];
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
