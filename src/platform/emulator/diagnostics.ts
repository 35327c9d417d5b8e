/** What the emulator service says about itself, as Status conditions. */
import type { PlatformCondition } from '../types.js';
import type { ServicePropertiesDoc } from '../hcs/schema/index.js';

/** The emulator service's networking facts as a Status condition (pods without real networking are surprising). */
export function networkingDiagnostics(props: ServicePropertiesDoc): PlatformCondition[] {
  const n = props.Networking as { LinuxNetworking?: boolean; Reason?: string; Degraded?: { Network: string; Reason: string }[] } | undefined;
  if (!n) return [];
  const type = 'EmulatorNetworking';
  if (!n.LinuxNetworking) {
    return [{ type, ok: false, reason: 'NoLinuxNetworking', message: `pods get no network of their own (they see the host network namespace; HNS objects are bookkeeping only): ${n.Reason ?? 'unknown reason'}. ` +
      'Real networking needs the emulator service running as root with `ip` (iproute2) and `nft` (nftables) installed: apt-get install iproute2 nftables' }];
  }
  if (n.Degraded?.length) {
    return [{ type, ok: false, reason: 'NetworkDegraded', message: n.Degraded.map((d) => `network ${d.Network}: ${d.Reason}`).join('; ') }];
  }
  return [{ type, ok: true, reason: '', message: '' }];
}

/**
 * The emulator service's isolation facts (service/isolation.ts) as a Status condition: whether containers get
 * namespaces of their own, and whether their processes start through the compiled namespace helper or the slower
 * util-linux chains (no C compiler).
 */
export function isolationDiagnostics(props: ServicePropertiesDoc): PlatformCondition[] {
  const iso = props.Isolation as {
    Enabled?: boolean; Reason?: string; Launcher?: { Kind: string; Reason?: string };
    CgroupFavorDynmods?: { Applied: boolean; Path?: string; Reason?: string };
  } | undefined;
  if (!iso) return [];
  const type = 'EmulatorIsolation';
  if (!iso.Enabled) {
    return [{ type, ok: false, reason: 'NotIsolated', message: iso.Reason ?? 'containers are not isolated (unknown reason)' }];
  }
  if (iso.Launcher?.Kind === 'shell') {
    return [{ type, ok: false, reason: 'NoNamespaceHelper', message: `containers start through util-linux process chains (slower): ${iso.Launcher.Reason ?? ''}. Install gcc` }];
  }
  const dyn = iso.CgroupFavorDynmods;
  const message = !dyn ? '' : dyn.Applied ? `cgroup joins favour dynamic changes (favordynmods${dyn.Path ? ` hierarchy at ${dyn.Path}` : ''})`
    : `cgroup joins may wait for an RCU grace period: favordynmods not applied (${dyn.Reason ?? 'unknown'})`;
  return [{ type, ok: true, reason: '', message }];
}
