/**
 * The hostile-input corpus: malformed CRI requests a buggy or malicious client could send, each with the field the
 * InvalidArgument message must name. `pod` and `ctr` build on a valid pod / container request of the test.
 */
export interface HostileCase { name: string; rpc: string; req: (v: Valid) => unknown; field: RegExp }
export interface Valid { pod: Record<string, any>; podId: string; ctr: (over?: Record<string, unknown>) => Record<string, any>; outside: string; logDir: string }

const BIG = 'x'.repeat(300 * 1024);
/** KeyValue.value is `bytes` in this API. */
const env = (s: string) => Buffer.from(s);
const withMeta = (v: Valid, meta: Record<string, unknown>) => ({ config: { ...v.pod, metadata: { ...v.pod.metadata, ...meta } } });
const podWith = (v: Valid, over: Record<string, unknown>) => ({ config: { ...v.pod, ...over } });
const ctrReq = (v: Valid, over: Record<string, unknown>) => ({ podSandboxId: v.podId, sandboxConfig: v.pod, config: v.ctr(over) });

/** Names with characters no Kubernetes object name has and that mislead logs, paths or terminals. */
const BAD_NAMES: [string, string][] = [
  ['NUL', 'a\u0000b'], ['newline (log forging)', 'a\nINFO forged line'], ['ESC (terminal control)', 'a\u001b[31mred'],
  ['RTL override', 'abc\u202Egpj.exe'], ['zero-width joiner', 'a\u200Db'], ['BOM', '\uFEFFname'], ['path separator', '../../etc'],
  ['backslash', '..\\..\\Windows'], ['overlong', 'n'.repeat(300)], ['DEL', 'a\u007fb'],
];

export const CORPUS: HostileCase[] = [
  // RunPodSandbox
  { name: 'no config', rpc: 'RunPodSandbox', req: () => ({}), field: /config/ },
  { name: 'no metadata', rpc: 'RunPodSandbox', req: (v) => podWith(v, { metadata: null }), field: /config\.metadata/ },
  { name: 'empty name', rpc: 'RunPodSandbox', req: (v) => withMeta(v, { name: '' }), field: /config\.metadata\.name/ },
  { name: 'empty uid', rpc: 'RunPodSandbox', req: (v) => withMeta(v, { uid: '' }), field: /config\.metadata\.uid/ },
  ...BAD_NAMES.map(([what, name]): HostileCase => ({ name: `pod name with ${what}`, rpc: 'RunPodSandbox', req: (v) => withMeta(v, { name }), field: /config\.metadata\.name/ })),
  ...BAD_NAMES.slice(0, 4).map(([what, namespace]): HostileCase => ({ name: `namespace with ${what}`, rpc: 'RunPodSandbox', req: (v) => withMeta(v, { namespace }), field: /config\.metadata\.namespace/ })),
  { name: 'uid with NUL', rpc: 'RunPodSandbox', req: (v) => withMeta(v, { uid: 'u\u0000' }), field: /config\.metadata\.uid/ },
  { name: 'overlong uid', rpc: 'RunPodSandbox', req: (v) => withMeta(v, { uid: 'u'.repeat(1000) }), field: /config\.metadata\.uid/ },
  { name: 'relative log directory', rpc: 'RunPodSandbox', req: (v) => podWith(v, { logDirectory: 'logs/p' }), field: /config\.log_directory/ },
  { name: 'log directory with ..', rpc: 'RunPodSandbox', req: (v) => podWith(v, { logDirectory: `${v.logDir}/../../outside` }), field: /config\.log_directory/ },
  { name: 'log directory with NUL', rpc: 'RunPodSandbox', req: (v) => podWith(v, { logDirectory: `${v.logDir}/a\u0000b` }), field: /config\.log_directory/ },
  { name: 'hostname with control characters', rpc: 'RunPodSandbox', req: (v) => podWith(v, { hostname: 'h\nx' }), field: /config\.hostname/ },
  { name: 'overlong hostname', rpc: 'RunPodSandbox', req: (v) => podWith(v, { hostname: 'h'.repeat(300) }), field: /config\.hostname/ },
  { name: 'huge labels', rpc: 'RunPodSandbox', req: (v) => podWith(v, { labels: { ...v.pod.labels, big: BIG } }), field: /config\.labels/ },
  { name: 'many labels', rpc: 'RunPodSandbox', req: (v) => podWith(v, { labels: Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [`k${i}`, 'v'.repeat(20)])) }), field: /config\.labels/ },
  { name: 'huge annotations', rpc: 'RunPodSandbox', req: (v) => podWith(v, { annotations: { big: BIG } }), field: /config\.annotations/ },
  { name: 'label key with NUL', rpc: 'RunPodSandbox', req: (v) => podWith(v, { labels: { 'a\u0000': 'x' } }), field: /config\.labels/ },
  { name: 'port out of range', rpc: 'RunPodSandbox', req: (v) => podWith(v, { portMappings: [{ containerPort: 70000, hostPort: 80 }] }), field: /config\.port_mappings\[0\]\.container_port/ },
  { name: 'DNS server with control characters', rpc: 'RunPodSandbox', req: (v) => podWith(v, { dnsConfig: { servers: ['1.1.1.1\nnameserver 6.6.6.6'] } }), field: /config\.dns_config\.servers\[0\]/ },
  { name: 'unknown runtime handler with RTL', rpc: 'RunPodSandbox', req: (v) => ({ config: v.pod, runtimeHandler: 'x\u202Eevil' }), field: /runtime_handler/ },
  // CreateContainer
  { name: 'container without pod id', rpc: 'CreateContainer', req: (v) => ({ config: v.ctr() }), field: /pod_sandbox_id/ },
  { name: 'container without config', rpc: 'CreateContainer', req: (v) => ({ podSandboxId: v.podId }), field: /config/ },
  { name: 'container without image', rpc: 'CreateContainer', req: (v) => ctrReq(v, { image: null }), field: /config\.image/ },
  ...BAD_NAMES.map(([what, name]): HostileCase => ({ name: `container name with ${what}`, rpc: 'CreateContainer', req: (v) => ctrReq(v, { metadata: { name, attempt: 0 } }), field: /config\.metadata\.name/ })),
  { name: 'log path escaping with ..', rpc: 'CreateContainer', req: (v) => ctrReq(v, { logPath: '../../outside/x.log' }), field: /config\.log_path/ },
  { name: 'absolute log path', rpc: 'CreateContainer', req: (v) => ctrReq(v, { logPath: `${v.outside}/x.log` }), field: /config\.log_path/ },
  { name: 'log path with NUL', rpc: 'CreateContainer', req: (v) => ctrReq(v, { logPath: 'a\u0000.log' }), field: /config\.log_path/ },
  { name: 'working dir with NUL', rpc: 'CreateContainer', req: (v) => ctrReq(v, { workingDir: 'C:\\app\u0000x' }), field: /config\.working_dir/ },
  { name: 'working dir with RTL override', rpc: 'CreateContainer', req: (v) => ctrReq(v, { workingDir: 'C:\\app\u202Eexe' }), field: /config\.working_dir/ },
  { name: 'mount without container path', rpc: 'CreateContainer', req: (v) => ctrReq(v, { mounts: [{ hostPath: v.outside, containerPath: '' }] }), field: /config\.mounts\[0\]\.container_path/ },
  { name: 'mount container path with NUL', rpc: 'CreateContainer', req: (v) => ctrReq(v, { mounts: [{ hostPath: v.outside, containerPath: 'C:\\d\u0000' }] }), field: /config\.mounts\[0\]\.container_path/ },
  { name: 'working dir escaping C:\\ with ..', rpc: 'CreateContainer', req: (v) => ctrReq(v, { workingDir: 'C:\\app\\..\\..\\Windows' }), field: /config\.working_dir/ },
  { name: 'relative working dir escaping with ..', rpc: 'CreateContainer', req: (v) => ctrReq(v, { workingDir: '..\\..\\Windows' }), field: /config\.working_dir/ },
  { name: 'mount container path escaping C:\\ with ..', rpc: 'CreateContainer', req: (v) => ctrReq(v, { mounts: [{ hostPath: v.outside, containerPath: 'C:/d/../../../Windows/System32' }] }), field: /config\.mounts\[0\]\.container_path/ },
  { name: 'mount container path escaping the sandbox mount point', rpc: 'CreateContainer', req: (v) => ctrReq(v, { mounts: [{ hostPath: v.outside, containerPath: '%CONTAINER_SANDBOX_MOUNT_POINT%\\..\\x' }] }), field: /config\.mounts\[0\]\.container_path/ },
  { name: 'mount host path with control characters', rpc: 'CreateContainer', req: (v) => ctrReq(v, { mounts: [{ hostPath: `${v.outside}\n`, containerPath: 'C:\\d' }] }), field: /config\.mounts\[0\]\.host_path/ },
  { name: 'relative mount host path', rpc: 'CreateContainer', req: (v) => ctrReq(v, { mounts: [{ hostPath: 'rel/dir', containerPath: 'C:\\d' }] }), field: /config\.mounts\[0\]\.host_path/ },
  { name: 'huge env', rpc: 'CreateContainer', req: (v) => ctrReq(v, { envs: [{ key: 'BIG', value: env('x'.repeat(2 * 1024 * 1024)) }] }), field: /config\.envs/ },
  { name: 'many env entries', rpc: 'CreateContainer', req: (v) => ctrReq(v, { envs: Array.from({ length: 50000 }, (_, i) => ({ key: `K${i}`, value: env('v'.repeat(30)) })) }), field: /config\.envs/ },
  { name: 'env key with =', rpc: 'CreateContainer', req: (v) => ctrReq(v, { envs: [{ key: 'A=B', value: env('x') }] }), field: /config\.envs\[0\]\.key/ },
  { name: 'env key empty', rpc: 'CreateContainer', req: (v) => ctrReq(v, { envs: [{ key: '', value: env('x') }] }), field: /config\.envs\[0\]\.key/ },
  { name: 'env value with NUL', rpc: 'CreateContainer', req: (v) => ctrReq(v, { envs: [{ key: 'A', value: env('x\u0000y') }] }), field: /config\.envs\[0\]\.value/ },
  { name: 'command with NUL', rpc: 'CreateContainer', req: (v) => ctrReq(v, { command: ['sleep\u0000', '1'] }), field: /config\.command\[0\]/ },
  { name: 'args with NUL', rpc: 'CreateContainer', req: (v) => ctrReq(v, { args: ['a\u0000'] }), field: /config\.args\[0\]/ },
  { name: 'huge container annotations', rpc: 'CreateContainer', req: (v) => ctrReq(v, { annotations: { big: BIG } }), field: /config\.annotations/ },
  { name: 'negative cpu shares', rpc: 'CreateContainer', req: (v) => ctrReq(v, { windows: { resources: { cpuShares: -5 } } }), field: /config\.windows\.resources\.cpu_shares/ },
  // Other RPCs
  { name: 'status of an empty id', rpc: 'PodSandboxStatus', req: () => ({ podSandboxId: '' }), field: /pod_sandbox_id/ },
  { name: 'exec sync without command', rpc: 'ExecSync', req: () => ({ containerId: 'abc', cmd: [] }), field: /cmd/ },
  { name: 'exec sync negative timeout', rpc: 'ExecSync', req: () => ({ containerId: 'abc', cmd: ['x'], timeout: -1 }), field: /timeout/ },
  { name: 'reopen log of an empty id', rpc: 'ReopenContainerLog', req: () => ({ containerId: '' }), field: /container_id/ },
  { name: 'update resources of an empty id', rpc: 'UpdateContainerResources', req: () => ({ containerId: '' }), field: /container_id/ },
  { name: 'pull of an empty image', rpc: 'PullImage', req: () => ({ image: { image: '' } }), field: /image/ },
  { name: 'pull of a reference with control characters', rpc: 'PullImage', req: () => ({ image: { image: 'example.com/a\nb:1' } }), field: /image/ },
];
