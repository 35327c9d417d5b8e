/**
 * wincri configuration: YAML file + defaults; command-line flags override the file. `wincri config default`
 * prints DEFAULT_CONFIG_YAML (generated from defaults(), so every default is shown).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';

export interface Config {
  /** CRI endpoint: unix:///path (Linux) or npipe:////./pipe/name (Windows). */
  endpoint: string;
  /** All state: images, containers, default log directory, emulator state. */
  root: string;
  /** Platform backend: "emulator" (Linux default) or "windows" (Windows default). */
  backend: 'emulator' | 'windows';
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Runtime handlers accepted in RunPodSandbox (runtime_handler); "" is always the default handler. */
  runtimeHandlers: string[];
  emulator: {
    /** Windows build the emulated host presents (major.minor.build). */
    osVersion: string;
    architecture: string;
    /** Emulator service state; default <root>/emulator. */
    stateDir: string;
  };
  containerLog: {
    /** CRI log lines longer than this are split into partial (P) records; <= 0 means unlimited. */
    maxLineSize: number;
  };
  /** Seconds the daemon waits for a compute system to shut down gracefully after its init process exited. */
  shutdownTimeoutSeconds: number;
  /** ExecSync output cap per stream (bytes); excess is dropped, as kubelet expects. */
  execSyncMaxOutputBytes: number;
  metrics: {
    /** host:port for the Prometheus /metrics endpoint; empty disables it. */
    address: string;
  };
  images: {
    /** Upper bound for the expanded size of one layer (decompression-bomb guard). */
    maxLayerBytes: number;
  };
}

export function defaultEndpoint(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'npipe:////./pipe/wincri' : 'unix:///run/wincri/wincri.sock';
}

export function defaultRoot(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'C:\\ProgramData\\wincri' : '/var/lib/wincri';
}

export function defaults(platform: NodeJS.Platform = process.platform): Config {
  return {
    endpoint: defaultEndpoint(platform),
    root: defaultRoot(platform),
    backend: platform === 'win32' ? 'windows' : 'emulator',
    logLevel: 'info',
    runtimeHandlers: ['runhcs-wcow-process'],
    emulator: { osVersion: '10.0.20348', architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', stateDir: '' },
    containerLog: { maxLineSize: 16384 },
    shutdownTimeoutSeconds: 10,
    execSyncMaxOutputBytes: 16 * 1024 * 1024,
    metrics: { address: '' },
    images: { maxLayerBytes: 64 * 1024 ** 3 },
  };
}

export const CONFIG_COMMENTS: Record<string, string> = {
  endpoint: 'CRI endpoint kubelet and crictl connect to (unix:///path or npipe:////./pipe/name)',
  root: 'directory holding all state: images, containers, default log directory, emulator state',
  backend: 'platform backend: emulator (Linux) or windows (HCS/HNS through FFI)',
  stateDir: 'emulator service state; empty means <root>/emulator',
};

export class ConfigError extends Error {}

type Obj = Record<string, unknown>;

/** Deep-merge `src` into `dst`, rejecting unknown keys and wrong types (so typos don't pass silently). */
function merge(dst: Obj, src: Obj, path: string): void {
  for (const [k, v] of Object.entries(src)) {
    const p = path ? `${path}.${k}` : k;
    if (!(k in dst)) throw new ConfigError(`unknown configuration key "${p}"`);
    const cur = dst[k];
    if (cur !== null && typeof cur === 'object' && !Array.isArray(cur)) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`"${p}" must be a mapping`);
      merge(cur as Obj, v as Obj, p);
    } else if (Array.isArray(cur)) {
      if (!Array.isArray(v) || v.some((x) => typeof x !== typeof (cur[0] ?? ''))) throw new ConfigError(`"${p}" must be a list of ${typeof (cur[0] ?? '')}`);
      dst[k] = v;
    } else {
      if (typeof v !== typeof cur) throw new ConfigError(`"${p}" must be a ${typeof cur}, got ${JSON.stringify(v)}`);
      dst[k] = v;
    }
  }
}

export interface ConfigOverrides { endpoint?: string; root?: string; backend?: string; logLevel?: string }

export function loadConfig(file?: string, overrides: ConfigOverrides = {}): Config {
  const cfg = defaults();
  if (file) {
    let doc: unknown;
    try {
      doc = YAML.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`cannot read config ${file}: ${(e as Error).message}`);
    }
    if (doc !== null && doc !== undefined) {
      if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config ${file} must be a YAML mapping`);
      merge(cfg as unknown as Obj, doc as Obj, '');
    }
  }
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (cfg as unknown as Obj)[k] = v;
  return validateConfig(cfg);
}

export function validateConfig(cfg: Config): Config {
  if (!/^(unix|npipe):\/\//.test(cfg.endpoint)) throw new ConfigError(`endpoint "${cfg.endpoint}" must start with unix:// or npipe://`);
  if (cfg.backend !== 'emulator' && cfg.backend !== 'windows') throw new ConfigError(`backend must be "emulator" or "windows", got "${cfg.backend}"`);
  if (!['debug', 'info', 'warn', 'error'].includes(cfg.logLevel)) throw new ConfigError(`logLevel must be debug|info|warn|error`);
  if (!/^\d+\.\d+\.\d+$/.test(cfg.emulator.osVersion)) throw new ConfigError(`emulator.osVersion must look like 10.0.20348`);
  if (!cfg.emulator.stateDir) cfg.emulator.stateDir = join(cfg.root, 'emulator');
  return cfg;
}

export function defaultConfigYaml(): string {
  const doc = new YAML.Document(defaults());
  doc.commentBefore = ' wincri configuration — every key with its default. Pass with: wincri serve --config FILE';
  YAML.visit(doc, {
    Pair(_, pair) {
      const key = String((pair.key as YAML.Scalar).value);
      if (CONFIG_COMMENTS[key]) (pair.key as YAML.Scalar).commentBefore = ' ' + CONFIG_COMMENTS[key];
    },
  });
  return doc.toString();
}

/** Parses an endpoint URL to a listen/connect path: unix:///x → /x, npipe:////./pipe/x → \\.\pipe\x. */
export function endpointPath(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return endpoint.slice('unix://'.length);
  if (endpoint.startsWith('npipe://')) return endpoint.slice('npipe://'.length).replace(/\//g, '\\');
  throw new ConfigError(`unsupported endpoint ${endpoint}`);
}
