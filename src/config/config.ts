/**
 * wincri configuration: YAML file + defaults; command-line flags override the file. `wincri config default`
 * prints DEFAULT_CONFIG_YAML (generated from defaults(), so every default is shown).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Y from 'yaml';
import { yaml } from './yaml.js';
import { Problems, mergeInto, isMapping, describe } from './check.js';
import { schemaOf } from './schema.js';
import { defaultRuntimeHandlers, parseRuntimeHandlers } from './runtime-handlers.js';
import { defaultLimits, validateLimits } from './limits.js';
import { defaultPullConcurrency } from './pull-concurrency.js';
import { parseRegistries } from './registries.js';
import type { Config } from './shape.js';

export type { Config } from './shape.js';
export type { RuntimeHandlerConfig, UtilityVmConfig, Isolation } from './runtime-handlers.js';

export function defaultEndpoint(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'npipe:////./pipe/wincri' : 'unix:///run/wincri/wincri.sock';
}

export function defaultRoot(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'C:\\ProgramData\\wincri' : '/var/lib/wincri';
}

/** A /24 (room for kubelet's 110 pods) away from the ranges Docker, podman, kind, flannel and cloud VPCs use. */
const DEFAULT_NETWORK = { enabled: true, name: 'wincri-default', subnet: '10.77.0.0/24' };

/** The CNI plugins shipped with wincri (cni/bin of the package). */
export function bundledCniBinDir(): string { return fileURLToPath(new URL('../../../cni/bin', import.meta.url)); }

export function defaults(platform: NodeJS.Platform = process.platform): Config {
  return {
    endpoint: defaultEndpoint(platform),
    root: defaultRoot(platform),
    backend: platform === 'win32' ? 'windows' : 'emulator',
    logLevel: 'info',
    logFormat: 'auto',
    logFile: '',
    logFileMaxSizeMB: 100,
    logFileMaxFiles: 5,
    runtimeHandlers: defaultRuntimeHandlers(),
    emulator: { osVersion: '10.0.20348', architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', stateDir: '' },
    containerLog: { maxLineSize: 16384 },
    shutdownTimeoutSeconds: 10,
    execSyncMaxOutputBytes: 16 * 1024 * 1024,
    metrics: { address: '127.0.0.1:10269' },
    images: { maxLayerBytes: 64 * 1024 ** 3, discardUnpackedLayers: true, pullConcurrency: defaultPullConcurrency(), allowForeignLayers: true, pullIdleTimeoutSeconds: 60, pullProgressIntervalSeconds: 5 },
    registries: {},
    cni: platform === 'win32'
      ? { binDirs: ['C:\\Program Files\\containerd\\cni\\bin'], confDir: 'C:\\Program Files\\containerd\\cni\\conf', timeoutSeconds: 60, podCidrTemplate: '', defaultNetwork: { ...DEFAULT_NETWORK, enabled: false } }
      : { binDirs: [], confDir: '', timeoutSeconds: 60, podCidrTemplate: '', defaultNetwork: { ...DEFAULT_NETWORK } },
    streaming: { address: '127.0.0.1', port: 0, tlsCertFile: '', tlsKeyFile: '', idleTimeoutSeconds: 4 * 3600, maxSessions: 256, maxQueuedSessions: 64, sessionQueueSeconds: 30, tokenTtlSeconds: 60 },
    limits: defaultLimits(),
  };
}

export class ConfigError extends Error {
  /** Every problem found, one per line of the message, each starting with the key's path. */
  readonly problems: string[];
  constructor(problems: string | string[]) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(list.join('\n'));
    this.problems = list;
  }
}

export interface ConfigOverrides { endpoint?: string; root?: string; backend?: string; logLevel?: string; logFormat?: string }

/** Reads and parses a YAML file ('-' = standard input) into a document; syntax errors carry line and column. */
export function readConfigDocument(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config ${file}: ${(e as Error).message}`);
  }
  return parseConfigText(text, file === '-' ? '<stdin>' : file);
}

/**
 * YAML, or JSON when the text is a JSON object (JSON is YAML; this path only skips loading the YAML parser). A
 * JSON document that JSON.parse refuses is handed to the YAML parser, whose errors name line and column.
 */
export function parseConfigText(text: string, name: string): unknown {
  if (text.trimStart().startsWith('{')) {
    try { return JSON.parse(text); } catch { /* not plain JSON: YAML flow mapping, or an error to report with its position */ }
  }
  const YAML = yaml();
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) throw new ConfigError(doc.errors.map((e) => `${name}: ${e.message.split('\n')[0]}`));
  return doc.toJS();
}

/** Builds a configuration from a parsed document (null = empty file): defaults, the document, overrides. */
export function configFromDocument(doc: unknown, overrides: ConfigOverrides = {}): Config {
  const cfg = defaults();
  const p = new Problems();
  if (doc !== null && doc !== undefined) {
    if (!isMapping(doc)) throw new ConfigError(`(document): expected a mapping of keys, got ${describe(doc)}`);
    const { registries, runtimeHandlers, ...rest } = doc;
    mergeInto(cfg as unknown as Record<string, unknown>, rest, [], p);
    if (registries !== undefined && registries !== null) cfg.registries = parseRegistries(registries, p);
    if (runtimeHandlers !== undefined && runtimeHandlers !== null) cfg.runtimeHandlers = parseRuntimeHandlers(runtimeHandlers, p);
  }
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (cfg as unknown as Record<string, unknown>)[k] = v;
  if (p.ok) validateConfig(cfg, p);
  if (!p.ok) throw new ConfigError(p.list);
  return cfg;
}

export function loadConfig(file?: string, overrides: ConfigOverrides = {}): Config {
  return configFromDocument(file ? readConfigDocument(file) : null, overrides);
}

/** Value checks beyond types; resolves the empty defaults that depend on root. */
export function validateConfig(cfg: Config, p: Problems): Config {
  if (!Number.isInteger(cfg.images.pullConcurrency) || cfg.images.pullConcurrency < 1) p.add(['images', 'pullConcurrency'], 'must be a positive integer');
  if (!(cfg.images.pullIdleTimeoutSeconds > 0)) p.add(['images', 'pullIdleTimeoutSeconds'], 'must be positive');
  if (!(cfg.images.pullProgressIntervalSeconds >= 0)) p.add(['images', 'pullProgressIntervalSeconds'], 'must be 0 (off) or positive');
  if (!/^(unix|npipe):\/\//.test(cfg.endpoint)) p.add(['endpoint'], `"${cfg.endpoint}" must start with unix:// or npipe://`);
  if (cfg.backend !== 'emulator' && cfg.backend !== 'windows') p.add(['backend'], `must be "emulator" or "windows", got "${cfg.backend}"`);
  if (!['debug', 'info', 'warn', 'error'].includes(cfg.logLevel)) p.add(['logLevel'], 'must be debug, info, warn or error');
  if (!['auto', 'json', 'text'].includes(cfg.logFormat)) p.add(['logFormat'], 'must be auto, json or text');
  if (!(cfg.logFileMaxSizeMB > 0)) p.add(['logFileMaxSizeMB'], 'must be positive');
  if (!Number.isInteger(cfg.logFileMaxFiles) || cfg.logFileMaxFiles < 0) p.add(['logFileMaxFiles'], 'must be a whole number >= 0');
  if (!/^\d+\.\d+\.\d+$/.test(cfg.emulator.osVersion)) p.add(['emulator', 'osVersion'], 'must look like 10.0.20348');
  if (!(cfg.cni.timeoutSeconds > 0)) p.add(['cni', 'timeoutSeconds'], 'must be positive');
  validateStreaming(cfg.streaming, p);
  validateLimits(cfg.limits, p);
  if (!p.ok) return cfg;
  if (!cfg.emulator.stateDir) cfg.emulator.stateDir = join(cfg.root, 'emulator');
  if (!cfg.cni.confDir) cfg.cni.confDir = join(cfg.root, 'cni', 'conf');
  if (cfg.cni.binDirs.length === 0) cfg.cni.binDirs = [bundledCniBinDir()];
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cfg.cni.defaultNetwork.subnet);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) < 8 || Number(m[5]) > 30) {
    p.add(['cni', 'defaultNetwork', 'subnet'], `cni.defaultNetwork.subnet must be an IPv4 CIDR from /8 to /30 (e.g. 10.77.0.0/24), got "${cfg.cni.defaultNetwork.subnet}"`);
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(cfg.cni.defaultNetwork.name)) p.add(['cni', 'defaultNetwork', 'name'], 'must be a plain network name');
  if (!p.ok) return cfg;
  return cfg;
}

function validateStreaming(s: Config['streaming'], p: Problems): void {
  const at = (k: string) => ['streaming', k];
  if (!isIP(s.address)) p.add(at('address'), `must be an IP address, got "${s.address}"`);
  if (!Number.isInteger(s.port) || s.port < 0 || s.port > 65535) p.add(at('port'), 'must be an integer 0-65535');
  if ((s.tlsCertFile === '') !== (s.tlsKeyFile === '')) p.add(at('tlsCertFile'), 'tlsCertFile and tlsKeyFile go together');
  if (!(s.idleTimeoutSeconds > 0)) p.add(at('idleTimeoutSeconds'), 'must be positive');
  if (!Number.isInteger(s.maxSessions) || s.maxSessions < 1) p.add(at('maxSessions'), 'must be a positive integer');
  if (!Number.isInteger(s.maxQueuedSessions) || s.maxQueuedSessions < 0) p.add(at('maxQueuedSessions'), 'must be an integer >= 0');
  if (!(s.sessionQueueSeconds > 0)) p.add(at('sessionQueueSeconds'), 'must be positive');
  if (!(s.tokenTtlSeconds > 0)) p.add(at('tokenTtlSeconds'), 'must be positive');
}

export function defaultConfigYaml(): string {
  const YAML = yaml();
  const doc = new YAML.Document(defaults());
  doc.commentBefore = ' wincri configuration — every key with its default. Pass with: wincri serve --config FILE';
  YAML.visit(doc, {
    Pair(_, pair, path) {
      const keys = path.filter((n): n is Y.Pair => YAML.isPair(n)).map((n) => String((n.key as Y.Scalar).value));
      const doc = schemaOf([...keys, String((pair.key as Y.Scalar).value)].join('.'))?.doc;
      if (doc) (pair.key as Y.Scalar).commentBefore = ' ' + doc;
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
