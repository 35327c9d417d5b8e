/**
 * Policy: CRI container config + image config + pod → ContainerSpec. Pure except for host-path preparation,
 * which is separate (prepareMountSources). The HCS document is built from the spec in platform/hcs/document.
 */
import { mkdir, realpath, stat } from 'node:fs/promises';
import type { ContainerSpec, SpecMount } from '../platform/spec.js';
import type { ContainerConfig, SandboxRecord, WindowsResources } from './model.js';
import type { ImageInfo } from './ports.js';
import { invalidArgument } from '../errors.js';
import { validateCredentialSpec } from './credential-spec.js';
import { specDevices } from './devices.js';
import { isNamedPipe } from '../platform/host-path.js';
import { isDriveRoot } from '../platform/path-syntax.js';

export const HOST_PROCESS_DEFAULT_CWD = 'C:\\hpc';

export function mergeEnv(imageEnv: string[], configEnv: { key: string; value: string }[]): string[] {
  const order: string[] = [];
  const values = new Map<string, string>();
  const set = (k: string, v: string) => { if (!values.has(k)) order.push(k); values.set(k, v); };
  for (const e of imageEnv) {
    const i = e.indexOf('=');
    if (i > 0) set(e.slice(0, i), e.slice(i + 1));
  }
  for (const { key, value } of configEnv) {
    if (!key) throw invalidArgument('envs: environment variable with an empty key');
    set(key, value);
  }
  return order.map((k) => `${k}=${values.get(k)}`);
}

/** Entrypoint/Cmd rules of Kubernetes: command replaces Entrypoint (and drops Cmd); args replace Cmd. */
export function processArgs(cfg: Pick<ContainerConfig, 'command' | 'args'>, image: Pick<ImageInfo, 'entrypoint' | 'cmd'>): string[] {
  if (cfg.command.length > 0) return [...cfg.command, ...cfg.args];
  return [...image.entrypoint, ...(cfg.args.length > 0 ? cfg.args : image.cmd)];
}

export function specResources(r: WindowsResources | undefined): ContainerSpec['windows']['resources'] {
  if (!r) return undefined;
  const out: NonNullable<ContainerSpec['windows']['resources']> = {};
  if (r.memoryLimitInBytes > 0) out.memory = { limit: r.memoryLimitInBytes };
  const cpu: NonNullable<typeof out.cpu> = {};
  if (r.cpuCount > 0) cpu.count = r.cpuCount;
  if (r.cpuShares > 0) cpu.shares = r.cpuShares;
  if (r.cpuMaximum > 0) cpu.maximum = r.cpuMaximum;
  if (r.affinityCpus.length > 0) cpu.affinity = r.affinityCpus.map((a) => ({ mask: a.cpuMask, group: a.cpuGroup }));
  if (Object.keys(cpu).length > 0) out.cpu = cpu;
  if (r.rootfsSizeInBytes > 0) out.storage = { sandboxSize: r.rootfsSizeInBytes };
  return out;
}

export function buildContainerSpec(id: string, cfg: ContainerConfig, image: ImageInfo, pod: SandboxRecord, mounts: SpecMount[]): ContainerSpec {
  const args = processArgs(cfg, image);
  if (args.length === 0) throw invalidArgument('command: no command given and the image has no Entrypoint or Cmd');
  const hostProcess = cfg.windows.hostProcess || pod.config.hostProcess;
  if (cfg.windows.hostProcess !== pod.config.hostProcess) {
    throw invalidArgument('windows.security_context.host_process: a HostProcess container needs a HostProcess pod and vice versa');
  }
  return {
    ociVersion: '1.2.0',
    process: {
      args,
      env: mergeEnv(image.env, cfg.envs),
      cwd: cfg.workingDir || image.workingDir || (hostProcess ? HOST_PROCESS_DEFAULT_CWD : 'C:\\'),
      terminal: cfg.tty,
      user: { username: cfg.windows.runAsUsername || pod.config.runAsUsername || image.user || undefined },
    },
    hostname: pod.config.hostname || undefined,
    mounts,
    annotations: {
      ...cfg.annotations,
      'io.kubernetes.cri.container-type': 'container',
      'io.kubernetes.cri.sandbox-id': pod.id,
      'io.kubernetes.cri.container-name': cfg.metadata.name,
      'microsoft.com/hostprocess-container': String(hostProcess),
    },
    windows: {
      layerFolders: image.layerPaths,
      resources: specResources(cfg.windows.resources),
      network: pod.namespaceId ? {
        networkNamespace: pod.namespaceId,
        dnsSearchList: pod.config.dns?.searches.length ? pod.config.dns.searches : undefined,
      } : undefined,
      credentialSpec: cfg.windows.credentialSpec ? validateCredentialSpec(cfg.windows.credentialSpec, 'config.windows.security_context.credential_spec')
        : pod.config.credentialSpec ? validateCredentialSpec(pod.config.credentialSpec, 'sandbox_config.windows.security_context.credential_spec') : undefined,
      devices: hostProcess ? undefined : specDevices(cfg.devices),
      hostProcess: hostProcess || undefined,
      hyperv: pod.isolation === 'hyperv' ? {} : undefined,
    },
  };
}

/**
 * Host side of mounts, as containerd does it on Windows: named pipes pass through untouched; a missing host
 * directory is created; symlinks are resolved (HCS mis-handles file mounts through symlinks).
 */
export async function prepareMountSources(cfg: ContainerConfig): Promise<SpecMount[]> {
  const out: SpecMount[] = [];
  for (const [i, m] of cfg.mounts.entries()) {
    if (!m.containerPath) throw invalidArgument(`mounts[${i}].container_path is empty`);
    if (!m.hostPath) throw invalidArgument(`mounts[${i}].host_path is empty`);
    if (isDriveRoot(m.containerPath)) throw invalidArgument(`mounts[${i}].container_path "${m.containerPath}" cannot be the root of a drive`);
    let source = m.hostPath;
    if (!isNamedPipe(source)) {
      try {
        await stat(source);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw invalidArgument(`mounts[${i}].host_path "${source}": ${(e as Error).message}`);
        await mkdir(source, { recursive: true });
      }
      source = await realpath(source);
    }
    out.push({ destination: m.containerPath, source, type: isNamedPipe(source) ? 'npipe' : 'bind', options: [m.readonly ? 'ro' : 'rw'] });
  }
  return out;
}
