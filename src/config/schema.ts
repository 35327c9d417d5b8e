/**
 * The configuration schema as data: every key wincri reads, its type and what it does. `wincri config default`
 * comments each key from it, `wincri config check` validates against it, and the README's configuration
 * reference is generated from it (scripts/docs.mjs; test/unit/config/docs.test.ts fails when they drift).
 * A test also checks that these paths are exactly the leaves of defaults(), so a new key cannot go undocumented.
 */
export type KeyType = 'string' | 'number' | 'boolean' | 'string[]' | 'enum' | 'map';

export interface KeySchema {
  /** Dotted path; `<host>` / `<name>` stand for an operator-chosen registry / handler key. */
  path: string;
  type: KeyType;
  values?: readonly string[];
  doc: string;
  /** Holds a secret: masked by `wincri info` and never logged. */
  secret?: boolean;
  /** The default as the reference shows it, where it depends on the host (defaults() gives this host's value). */
  defaultText?: string;
}

export const CONFIG_SCHEMA: readonly KeySchema[] = [
  { path: 'endpoint', type: 'string', doc: 'CRI endpoint kubelet and crictl connect to: unix:///path (Linux) or npipe:////./pipe/name (Windows)' },
  { path: 'root', type: 'string', doc: 'directory holding all state: images, containers, records, the IO keeper, the emulator state' },
  { path: 'backend', type: 'enum', values: ['emulator', 'windows'], doc: 'platform backend: emulator (Linux) or windows (HCS/HNS through FFI)' },
  { path: 'logLevel', type: 'enum', values: ['debug', 'info', 'warn', 'error'], doc: 'daemon log level' },
  { path: 'logFormat', type: 'enum', values: ['auto', 'json', 'text'], doc: 'log line format of the daemon, IO keeper and emulator: JSON lines, readable text, or auto (JSON unless stderr is a terminal)' },
  { path: 'logFile', type: 'string', doc: 'write the daemon log to this file instead of stderr (a Windows service has no stderr); rotated by size and count' },
  { path: 'logFileMaxSizeMB', type: 'number', doc: 'logFile, and the IO keeper\'s own log (<root>/io/keeper.log), are rotated (to .1, .2, …) when they would grow past this many MB' },
  { path: 'logFileMaxFiles', type: 'number', doc: 'rotated log files kept besides the current one (logFile and the IO keeper\'s log)' },
  { path: 'runtimeHandlers', type: 'map', doc: 'runtime handlers accepted in RunPodSandbox (RuntimeClass handler), by name; "" is always the default (process isolation); a list of names (older form) means process isolation for each' },
  { path: 'runtimeHandlers.<name>.isolation', type: 'enum', values: ['process', 'hyperv'], doc: 'process: containers share the host kernel (image build must match the host); hyperv: the pod runs in a utility VM booted from the image\'s UtilityVM files (older builds of the same major.minor run too)' },
  { path: 'runtimeHandlers.<name>.utilityVm.memoryMiB', type: 'number', doc: 'hyperv: VM memory when the pod states none (sandbox resources or the io.microsoft.virtualmachine.computetopology.memory.sizeinmb annotation); default 768' },
  { path: 'runtimeHandlers.<name>.utilityVm.processorCount', type: 'number', doc: 'hyperv: vCPUs when the pod states none (…processor.count annotation); clamped to the host; default 2' },
  { path: 'runtimeHandlers.<name>.utilityVm.memoryOverheadMiB', type: 'number', doc: 'hyperv: memory added to the pod\'s for the VM\'s own operating system; default 256' },
  { path: 'runtimeHandlers.<name>.utilityVm.processorOverhead', type: 'number', doc: 'hyperv: vCPUs added to the pod\'s; default 0' },
  { path: 'emulator.osVersion', type: 'string', doc: 'Windows build the emulated host presents (major.minor.build)' },
  { path: 'emulator.architecture', type: 'string', doc: 'architecture the emulated host presents (amd64, arm64)' },
  { path: 'emulator.stateDir', type: 'string', doc: 'emulator service state; empty means <root>/emulator' },
  { path: 'containerLog.maxLineSize', type: 'number', doc: 'CRI log lines longer than this are split into partial (P) records; <= 0 means unlimited' },
  { path: 'shutdownTimeoutSeconds', type: 'number', doc: 'seconds to wait for a compute system to shut down gracefully after its init process exited' },
  { path: 'execSyncMaxOutputBytes', type: 'number', doc: 'ExecSync output cap per stream (bytes); the excess is dropped, as kubelet expects' },
  { path: 'metrics.address', type: 'string', doc: 'host:port of the Prometheus /metrics and /healthz endpoint (loopback by default; port 10269 is used by no Kubernetes component); empty disables it' },
  { path: 'images.maxLayerBytes', type: 'number', doc: 'upper bound for the expanded size of one layer (decompression-bomb guard)' },
  { path: 'images.discardUnpackedLayers', type: 'boolean', doc: 'keep no compressed blob of a pulled layer once it is imported (a layer made again is pulled again)' },
  { path: 'images.pullConcurrency', type: 'number', defaultText: '`4`, or the CPU count where lower (at least 2)', doc: 'layers of one pull downloaded and unpacked at the same time (each layer stream is CPU-bound: by default no more than CPUs; a set value is used as it is)' },
  { path: 'images.allowForeignLayers', type: 'boolean', doc: 'fetch foreign (non-distributable) layers of Windows base images from the URLs their descriptors name' },
  { path: 'images.pullIdleTimeoutSeconds', type: 'number', doc: 'a registry connection that delivers no data for this long is dropped and the request retried' },
  { path: 'images.pullProgressIntervalSeconds', type: 'number', doc: 'a pull still running logs its progress (bytes, layers done, rate, ETA) this often; 0 turns progress lines off' },
  { path: 'registries', type: 'map', doc: 'per-registry settings keyed by host[:port] as image references name it (docker.io for Docker Hub)' },
  { path: 'registries.<host>.mirrors', type: 'string[]', doc: 'mirror endpoints (http(s)://host[:port][/path]) tried in order before the host itself' },
  { path: 'registries.<host>.insecure', type: 'boolean', doc: 'allow plain HTTP and skip TLS verification for this host only' },
  { path: 'registries.<host>.ca', type: 'string', doc: 'PEM CA bundle trusted for this host, in addition to the system roots' },
  { path: 'registries.<host>.cert', type: 'string', doc: 'PEM client certificate for TLS client authentication (with key)' },
  { path: 'registries.<host>.key', type: 'string', doc: 'PEM client key for TLS client authentication (with cert)', secret: true },
  { path: 'registries.<host>.auth.username', type: 'string', doc: 'user name sent when the pull request brings no credentials' },
  { path: 'registries.<host>.auth.password', type: 'string', doc: 'password sent with auth.username', secret: true },
  { path: 'cni.binDirs', type: 'string[]', doc: 'directories searched for CNI plugins; empty means the package\'s cni/bin (Linux)' },
  { path: 'cni.confDir', type: 'string', doc: 'CNI configuration directory; empty means <root>/cni/conf (Linux)' },
  { path: 'cni.timeoutSeconds', type: 'number', doc: 'timeout of one CNI plugin call' },
  { path: 'cni.defaultNetwork.enabled', type: 'boolean', doc: 'emulator only: while confDir holds no configuration, pods get wincri\'s nat plugin network (off on the windows backend)' },
  { path: 'cni.defaultNetwork.name', type: 'string', doc: 'name of that built-in network' },
  { path: 'cni.defaultNetwork.subnet', type: 'string', doc: 'its IPv4 subnet (/8 to /30); the first address is the gateway' },
  { path: 'cni.podCidrTemplate', type: 'string', doc: 'template rendered into confDir when kubelet sets the pod CIDR ({{.PodCIDR}}); empty disables it' },
  { path: 'streaming.address', type: 'string', doc: 'IP address the streaming server listens on (kubelet must reach it; loopback by default, as containerd)' },
  { path: 'streaming.port', type: 'number', doc: 'TCP port of the streaming server; 0 picks a free port' },
  { path: 'streaming.tlsCertFile', type: 'string', doc: 'PEM certificate for HTTPS streaming (with tlsKeyFile); empty serves plain HTTP' },
  { path: 'streaming.tlsKeyFile', type: 'string', doc: 'PEM key for HTTPS streaming (with tlsCertFile)', secret: true },
  { path: 'streaming.idleTimeoutSeconds', type: 'number', doc: 'a streaming connection on which nothing moves for this long is closed (kubelet default: 4 h)' },
  { path: 'streaming.maxSessions', type: 'number', doc: 'concurrent exec/attach/port-forward sessions; more wait for a slot (their handshake held)' },
  { path: 'streaming.maxQueuedSessions', type: 'number', doc: 'streaming sessions waiting for a slot beyond maxSessions; more are refused with HTTP 429' },
  { path: 'streaming.sessionQueueSeconds', type: 'number', doc: 'how long a streaming session waits for a slot before HTTP 503' },
  { path: 'streaming.tokenTtlSeconds', type: 'number', doc: 'lifetime of an unused streaming URL (single use)' },
  { path: 'limits.concurrentRpcs', type: 'number', doc: 'CRI RPCs served at the same time; more wait in a queue (Version, Status, RuntimeConfig, ListPodSandbox and ListContainers never wait)' },
  { path: 'limits.rpcQueueLength', type: 'number', doc: 'RPCs waiting for a slot; more are refused with ResourceExhausted' },
  { path: 'limits.concurrentPulls', type: 'number', doc: 'image pulls running at the same time; more wait' },
  { path: 'limits.concurrentCniCalls', type: 'number', doc: 'pod network set-ups, tear-downs and checks (CNI plugin chains) running at the same time; more wait' },
  { path: 'limits.concurrentExecSync', type: 'number', doc: 'ExecSync commands running at the same time; more wait' },
  { path: 'limits.platformCallTimeoutSeconds', type: 'number', doc: 'an HCS/HCN/storage call not answered within this time fails with DeadlineExceeded (layer imports excepted); what it did late is undone' },
];

export function schemaOf(path: string): KeySchema | undefined {
  return CONFIG_SCHEMA.find((k) => k.path === path);
}
