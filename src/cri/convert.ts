/**
 * CRI messages ⇄ domain. Validation of field shapes happens here (InvalidArgument naming the field);
 * semantic checks live in the runtime.
 */
import { validateSandboxConfig, validateContainerConfig } from './validate-requests.js';
import type * as T from './generated/index.js';
import type {
  ContainerConfig, ContainerRecord, SandboxConfig, SandboxRecord, WindowsResources, MountConfig,
} from '../runtime/model.js';
import { invalidArgument } from '../errors.js';
import { podResourcesFromCri } from './pod-resources.js';
import { num } from './int64.js';

export function sandboxConfigFromCri(c: T.PodSandboxConfig__Output | null): SandboxConfig {
  if (!c) throw invalidArgument('config is required');
  if (!c.metadata) throw invalidArgument('config.metadata is required');
  validateSandboxConfig(c);
  const ns = c.linux?.securityContext?.namespaceOptions;
  const win = c.windows?.securityContext;
  const seen = new Set<string>();
  const portMappings = c.portMappings.map((p, i) => {
    const containerPort = num(p.containerPort, `config.port_mappings[${i}].container_port`, { min: 0, max: 65535 });
    const hostPort = num(p.hostPort, `config.port_mappings[${i}].host_port`, { min: 0, max: 65535 });
    const key = `${p.protocol}/${p.hostIp}/${hostPort}`;
    if (hostPort > 0 && seen.has(key)) throw invalidArgument(`config.port_mappings[${i}]: host port ${hostPort}/${p.protocol} is mapped twice`);
    seen.add(key);
    return { protocol: String(p.protocol), containerPort, hostPort, hostIp: p.hostIp };
  });
  return {
    metadata: {
      name: c.metadata.name, uid: c.metadata.uid, namespace: c.metadata.namespace,
      attempt: num(c.metadata.attempt, 'config.metadata.attempt', { min: 0 }),
    },
    hostname: c.hostname,
    logDirectory: c.logDirectory,
    dns: c.dnsConfig ? { servers: c.dnsConfig.servers, searches: c.dnsConfig.searches, options: c.dnsConfig.options } : undefined,
    portMappings,
    labels: c.labels,
    annotations: c.annotations,
    hostProcess: !!win?.hostProcess,
    runAsUsername: win?.runAsUsername ?? '',
    credentialSpec: win?.credentialSpec ?? '',
    namespaceOptions: ns ? { network: String(ns.network), pid: String(ns.pid), ipc: String(ns.ipc), targetId: ns.targetId } : undefined,
    resources: podResourcesFromCri(c.linux),
  };
}

export function windowsResourcesFromCri(r: T.WindowsContainerResources__Output | null | undefined, field: string): WindowsResources | undefined {
  if (!r) return undefined;
  const res: WindowsResources = {
    cpuShares: num(r.cpuShares, `${field}.cpu_shares`, { min: 0, max: 10000 }),
    cpuCount: num(r.cpuCount, `${field}.cpu_count`, { min: 0 }),
    cpuMaximum: num(r.cpuMaximum, `${field}.cpu_maximum`, { min: 0, max: 10000 }),
    memoryLimitInBytes: num(r.memoryLimitInBytes, `${field}.memory_limit_in_bytes`, { min: 0 }),
    rootfsSizeInBytes: num(r.rootfsSizeInBytes, `${field}.rootfs_size_in_bytes`, { min: 0 }),
    affinityCpus: r.affinityCpus.map((a) => ({ cpuMask: String(a.cpuMask), cpuGroup: a.cpuGroup })),
  };
  return res;
}

export function containerConfigFromCri(c: T.ContainerConfig__Output | null): ContainerConfig {
  if (!c) throw invalidArgument('config is required');
  if (!c.metadata) throw invalidArgument('config.metadata is required');
  if (!c.image) throw invalidArgument('config.image is required');
  validateContainerConfig(c);
  if (c.tty && c.stdinOnce && !c.stdin) throw invalidArgument('config.stdin_once requires config.stdin');
  const mounts: MountConfig[] = c.mounts.map((m) => ({
    containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readonly, selinuxRelabel: m.selinuxRelabel,
    propagation: String(m.propagation), recursiveReadOnly: m.recursiveReadOnly,
  }));
  c.mounts.forEach((m, i) => {
    if (m.image && m.image.image) throw invalidArgument(`config.mounts[${i}].image: image volumes are not supported on Windows`);
    if (m.recursiveReadOnly && !m.readonly) throw invalidArgument(`config.mounts[${i}]: recursive_read_only requires readonly`);
  });
  const sec = c.windows?.securityContext;
  return {
    metadata: { name: c.metadata.name, attempt: num(c.metadata.attempt, 'config.metadata.attempt', { min: 0 }) },
    image: { image: c.image.image, userSpecifiedImage: c.image.userSpecifiedImage, annotations: c.image.annotations, runtimeHandler: c.image.runtimeHandler },
    command: c.command,
    args: c.args,
    workingDir: c.workingDir,
    envs: c.envs.map((e) => ({ key: e.key, value: Buffer.isBuffer(e.value) ? e.value.toString('utf8') : String(e.value) })),
    mounts,
    devices: c.devices.map((d) => ({ containerPath: d.containerPath, hostPath: d.hostPath, permissions: d.permissions })),
    labels: c.labels,
    annotations: c.annotations,
    logPath: c.logPath,
    stdin: c.stdin,
    stdinOnce: c.stdinOnce,
    tty: c.tty,
    windows: {
      resources: windowsResourcesFromCri(c.windows?.resources, 'config.windows.resources'),
      runAsUsername: sec?.runAsUsername ?? '',
      credentialSpec: sec?.credentialSpec ?? '',
      hostProcess: !!sec?.hostProcess,
    },
  };
}

export function podMetadata(s: SandboxRecord): T.PodSandboxMetadata {
  const m = s.config.metadata;
  return { name: m.name, uid: m.uid, namespace: m.namespace, attempt: m.attempt };
}

export function podSandboxToCri(s: SandboxRecord): T.PodSandbox {
  return {
    id: s.id, metadata: podMetadata(s), state: s.state, createdAt: s.createdAt,
    labels: s.config.labels, annotations: s.config.annotations, runtimeHandler: s.runtimeHandler,
  };
}

export function podSandboxStatusToCri(s: SandboxRecord): T.PodSandboxStatus {
  const ns = s.config.namespaceOptions;
  return {
    id: s.id,
    metadata: podMetadata(s),
    state: s.state,
    createdAt: s.createdAt,
    network: s.ip ? { ip: s.ip, additionalIps: s.additionalIps.map((ip) => ({ ip })) } : null,
    // kubelet compares the network namespace mode with what it expects, on Windows too: echo what it sent.
    linux: { namespaces: { options: ns ? { network: ns.network as T.NamespaceMode, pid: ns.pid as T.NamespaceMode, ipc: ns.ipc as T.NamespaceMode, targetId: ns.targetId } : (s.config.hostProcess ? { network: 'NODE' } : { network: 'POD' }) } },
    labels: s.config.labels,
    annotations: s.config.annotations,
    runtimeHandler: s.runtimeHandler,
  };
}

function imageSpec(c: ContainerRecord): T.ImageSpec {
  return {
    image: c.imageName, annotations: c.config.image.annotations, userSpecifiedImage: c.config.image.userSpecifiedImage,
    runtimeHandler: c.config.image.runtimeHandler,
  };
}

export function containerToCri(c: ContainerRecord): T.Container {
  return {
    id: c.id, podSandboxId: c.sandboxId, metadata: c.config.metadata, image: imageSpec(c), imageRef: c.imageRef,
    state: c.state, createdAt: c.createdAt, labels: c.config.labels, annotations: c.config.annotations, imageId: c.imageId,
  };
}

export function windowsResourcesToCri(r: WindowsResources | undefined): T.WindowsContainerResources | undefined {
  if (!r) return undefined;
  return {
    cpuShares: r.cpuShares, cpuCount: r.cpuCount, cpuMaximum: r.cpuMaximum, memoryLimitInBytes: r.memoryLimitInBytes,
    rootfsSizeInBytes: r.rootfsSizeInBytes, affinityCpus: r.affinityCpus.map((a) => ({ cpuMask: a.cpuMask, cpuGroup: a.cpuGroup })),
  };
}

export function containerStatusToCri(c: ContainerRecord): T.ContainerStatus {
  const exited = c.state === 'CONTAINER_EXITED' || c.state === 'CONTAINER_UNKNOWN';
  return {
    id: c.id,
    metadata: c.config.metadata,
    state: c.state,
    createdAt: c.createdAt,
    startedAt: c.state === 'CONTAINER_CREATED' ? '0' : c.startedAt,
    finishedAt: exited ? c.finishedAt : '0',
    exitCode: exited ? c.exitCode : 0,
    image: imageSpec(c),
    imageRef: c.imageRef,
    reason: exited ? c.reason : '',
    message: exited ? c.message : '',
    labels: c.config.labels,
    annotations: c.config.annotations,
    mounts: c.config.mounts.map((m) => ({
      containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readonly, selinuxRelabel: m.selinuxRelabel,
      propagation: m.propagation as T.MountPropagation, recursiveReadOnly: m.recursiveReadOnly,
    })),
    logPath: c.logFile,
    resources: c.resources ? { windows: windowsResourcesToCri(c.resources) } : null,
    imageId: c.imageId,
  };
}

export function stateFilter<S extends string>(v: { state: S } | null | undefined): S | undefined {
  return v ? v.state : undefined;
}
