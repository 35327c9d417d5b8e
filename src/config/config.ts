/**
 * wincri configuration: YAML file + defaults; command-line flags override the file. `wincri config default`
 * prints DEFAULT_CONFIG_YAML (generated from defaults(), so every default is shown).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
    /** Layers of one pull downloaded (and unpacked) at the same time. */
    pullConcurrency: number;
    /** Fetch foreign / non-distributable layers (Windows base images) from the URLs their descriptors name. */
    allowForeignLayers: boolean;
    /** A registry connection that delivers no data for this long is dropped (and the request retried). */
    pullIdleTimeoutSeconds: number;
  };
  /** Per-registry settings, keyed by host[:port] as image references name it (docker.io for Docker Hub). */
  registries: Record<string, RegistryHostConfig>;
  cni: {
    /** Directories searched for CNI plugins; empty means the package's cni/bin (Linux). */
    binDirs: string[];
    /** CNI configuration directory; empty means <root>/cni/conf (Linux). */
    confDir: string;
    /** Timeout of one plugin call. */
    timeoutSeconds: number;
    /** Template rendered into confDir when kubelet sets the pod CIDR ({{.PodCIDR}}); empty disables it. */
    podCidrTemplate: string;
    /**
     * Emulator backend only: while confDir holds no network configuration, pods use this built-in network of
     * wincri's own `nat` plugin (bridge + masquerade). Never written into confDir; an operator's file wins.
     */
    defaultNetwork: { enabled: boolean; name: string; subnet: string };
  };
}

export interface RegistryHostConfig {
  /** Mirror endpoints (http(s)://host[:port][/path]) tried in order before the host itself. */
  mirrors?: string[];
  /** Allow plain HTTP and skip TLS verification for this host only. */
  insecure?: boolean;
  /** PEM CA bundle trusted for this host (in addition to the system roots). */
  ca?: string;
  /** PEM client certificate and key for TLS client authentication. */
  cert?: string;
  key?: string;
  /** Credentials used when the pull request brings none. */
  auth?: { username: string; password: string };
}

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
    runtimeHandlers: ['runhcs-wcow-process'],
    emulator: { osVersion: '10.0.20348', architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', stateDir: '' },
    containerLog: { maxLineSize: 16384 },
    shutdownTimeoutSeconds: 10,
    execSyncMaxOutputBytes: 16 * 1024 * 1024,
    metrics: { address: '' },
    images: { maxLayerBytes: 64 * 1024 ** 3, pullConcurrency: 4, allowForeignLayers: true, pullIdleTimeoutSeconds: 60 },
    registries: {},
    cni: platform === 'win32'
      ? { binDirs: ['C:\\Program Files\\containerd\\cni\\bin'], confDir: 'C:\\Program Files\\containerd\\cni\\conf', timeoutSeconds: 60, podCidrTemplate: '', defaultNetwork: { ...DEFAULT_NETWORK, enabled: false } }
      : { binDirs: [], confDir: '', timeoutSeconds: 60, podCidrTemplate: '', defaultNetwork: { ...DEFAULT_NETWORK } },
  };
}

export const CONFIG_COMMENTS: Record<string, string> = {
  endpoint: 'CRI endpoint kubelet and crictl connect to (unix:///path or npipe:////./pipe/name)',
  root: 'directory holding all state: images, containers, default log directory, emulator state',
  backend: 'platform backend: emulator (Linux) or windows (HCS/HNS through FFI)',
  stateDir: 'emulator service state; empty means <root>/emulator',
  cni: 'pod networking: CNI conf dir (empty: <root>/cni/conf), plugin dirs (empty: the package\'s cni/bin), per-call timeout',
  defaultNetwork: 'emulator only: the network pods get while confDir holds no configuration (wincri\'s nat plugin: bridge + masquerade on this subnet; the first address is the gateway); enabled: false leaves NetworkReady false until a configuration exists',
  registries: 'per registry host[:port]: { mirrors: [http(s)://host:port, …], insecure: bool, ca: FILE, cert: FILE, key: FILE, auth: { username, password } }',
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
      const { registries, ...rest } = doc as Obj;
      merge(cfg as unknown as Obj, rest, '');
      if (registries !== undefined && registries !== null) cfg.registries = parseRegistries(registries);
    }
  }
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (cfg as unknown as Obj)[k] = v;
  return validateConfig(cfg);
}

/** Validates the free-form `registries:` mapping (host keys are the operator's; the fields are fixed). */
export function parseRegistries(v: unknown): Record<string, RegistryHostConfig> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError('"registries" must be a mapping of host[:port] to settings');
  const out: Record<string, RegistryHostConfig> = {};
  for (const [host, raw] of Object.entries(v as Obj)) {
    const p = `registries.${host}`;
    if (!/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:[0-9]+)?$/.test(host)) throw new ConfigError(`"${p}": the key must be a registry host[:port]`);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`"${p}" must be a mapping`);
    const h: RegistryHostConfig = {};
    for (const [k, x] of Object.entries(raw as Obj)) {
      switch (k) {
        case 'mirrors':
          if (!Array.isArray(x) || x.some((m) => typeof m !== 'string' || !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(m))) {
            throw new ConfigError(`"${p}.mirrors" must be a list of http(s)://host[:port] URLs`);
          }
          h.mirrors = x as string[];
          break;
        case 'insecure':
          if (typeof x !== 'boolean') throw new ConfigError(`"${p}.insecure" must be a boolean`);
          h.insecure = x;
          break;
        case 'ca': case 'cert': case 'key':
          if (typeof x !== 'string' || x === '') throw new ConfigError(`"${p}.${k}" must be a file path`);
          h[k] = x;
          break;
        case 'auth': {
          const a = x as Obj;
          if (typeof a !== 'object' || a === null || typeof a.username !== 'string' || typeof a.password !== 'string' || Object.keys(a).some((y) => y !== 'username' && y !== 'password')) {
            throw new ConfigError(`"${p}.auth" must be { username, password }`);
          }
          h.auth = { username: a.username, password: a.password };
          break;
        }
        default:
          throw new ConfigError(`unknown configuration key "${p}.${k}"`);
      }
    }
    if ((h.cert === undefined) !== (h.key === undefined)) throw new ConfigError(`"${p}": cert and key go together`);
    out[host] = h;
  }
  return out;
}

export function validateConfig(cfg: Config): Config {
  if (!Number.isInteger(cfg.images.pullConcurrency) || cfg.images.pullConcurrency < 1) throw new ConfigError('images.pullConcurrency must be a positive integer');
  if (!(cfg.images.pullIdleTimeoutSeconds > 0)) throw new ConfigError('images.pullIdleTimeoutSeconds must be positive');
  if (!/^(unix|npipe):\/\//.test(cfg.endpoint)) throw new ConfigError(`endpoint "${cfg.endpoint}" must start with unix:// or npipe://`);
  if (cfg.backend !== 'emulator' && cfg.backend !== 'windows') throw new ConfigError(`backend must be "emulator" or "windows", got "${cfg.backend}"`);
  if (!['debug', 'info', 'warn', 'error'].includes(cfg.logLevel)) throw new ConfigError(`logLevel must be debug|info|warn|error`);
  if (!/^\d+\.\d+\.\d+$/.test(cfg.emulator.osVersion)) throw new ConfigError(`emulator.osVersion must look like 10.0.20348`);
  if (!cfg.emulator.stateDir) cfg.emulator.stateDir = join(cfg.root, 'emulator');
  if (!cfg.cni.confDir) cfg.cni.confDir = join(cfg.root, 'cni', 'conf');
  if (cfg.cni.binDirs.length === 0) cfg.cni.binDirs = [bundledCniBinDir()];
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cfg.cni.defaultNetwork.subnet);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) < 8 || Number(m[5]) > 30) {
    throw new ConfigError(`cni.defaultNetwork.subnet must be an IPv4 CIDR from /8 to /30 (e.g. 10.77.0.0/24), got "${cfg.cni.defaultNetwork.subnet}"`);
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(cfg.cni.defaultNetwork.name)) throw new ConfigError('cni.defaultNetwork.name must be a plain network name');
  if (!(cfg.cni.timeoutSeconds > 0)) throw new ConfigError('cni.timeoutSeconds must be positive');
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
