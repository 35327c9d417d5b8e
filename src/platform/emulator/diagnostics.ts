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
