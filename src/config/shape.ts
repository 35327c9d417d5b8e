/** The configuration's shape: every key wincri reads, typed (defaults and loading: ./config.ts; docs: ./schema.ts). */
import type { RuntimeHandlerConfig } from './runtime-handlers.js';
import type { LimitsConfig } from './limits.js';
import type { RegistryHostConfig } from './registries.js';

export interface Config {
  /** CRI endpoint: unix:///path (Linux) or npipe:////./pipe/name (Windows). */
  endpoint: string;
  /** All state: images, containers, default log directory, emulator state. */
  root: string;
  /** Platform backend: "emulator" (Linux default) or "windows" (Windows default). */
  backend: 'emulator' | 'windows';
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** auto: JSON lines when stderr is not a terminal, readable text on a terminal. */
  logFormat: 'auto' | 'json' | 'text';
  /** Daemon log file, rotated by size and count; empty: stderr. */
  logFile: string;
  logFileMaxSizeMB: number;
  logFileMaxFiles: number;
  /**
   * Runtime handlers accepted in RunPodSandbox (runtime_handler), name → isolation (+ utility-VM sizing for
   * hyperv); "" is always the default, process-isolated handler. The list form of older configs is accepted.
   */
  runtimeHandlers: Record<string, RuntimeHandlerConfig>;
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
    /**
     * Remove a pulled layer's compressed blob once the layer is unpacked and imported (containerd's CRI option
     * discard_unpacked_layers): nothing reads it afterwards, and a layer that must be made again is pulled again.
     */
    discardUnpackedLayers: boolean;
    /** Layers of one pull downloaded (and unpacked) at the same time. */
    pullConcurrency: number;
    /** Fetch foreign / non-distributable layers (Windows base images) from the URLs their descriptors name. */
    allowForeignLayers: boolean;
    /** A registry connection that delivers no data for this long is dropped (and the request retried). */
    pullIdleTimeoutSeconds: number;
    /** Seconds between progress log lines of a long pull; 0 disables them. */
    pullProgressIntervalSeconds: number;
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
  /** The HTTP server Exec/Attach/PortForward URLs point at (SPDY/3.1 and WebSocket). */
  streaming: {
    /** Listen address; URLs name it, or a reachable address of this host when it is 0.0.0.0 / ::. */
    address: string;
    /** Listen port; 0 picks a free one at start-up. */
    port: number;
    /** PEM certificate and key files; both empty serves plain HTTP. */
    tlsCertFile: string;
    tlsKeyFile: string;
    /** A connection on which nothing moves for this long is closed. */
    idleTimeoutSeconds: number;
    /** Streaming sessions served at the same time; more wait (below). */
    maxSessions: number;
    /** Upgrades waiting for a session slot; more get HTTP 429. */
    maxQueuedSessions: number;
    /** How long an upgrade waits for a session slot before HTTP 503. */
    sessionQueueSeconds: number;
    /** A URL not used within this time stops working. */
    tokenTtlSeconds: number;
  };
  /** Concurrency bounds, queues and the platform call deadline (./limits.ts). */
  limits: LimitsConfig;
}
