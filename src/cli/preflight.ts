/**
 * What `wincri serve` checks before it starts on the emulator backend: real pod networking needs the emulator
 * service (started by the daemon, same user) to run as root with `ip` (iproute2) and `nft` (nftables). Nothing is
 * installed from here (a daemon that installs packages surprises operators); the warning names the exact command,
 * and Status keeps saying it (condition EmulatorNetworking) for `crictl info`.
 */
import type { Config } from '../config/config.js';
import { probeLinuxNetworking } from '../platform/emulator/service/linuxnet.js';

/** The warning to print, or undefined when real networking can be built (or the backend is not the emulator). */
export function networkingPreflight(cfg: Config): string | undefined {
  if (cfg.backend !== 'emulator' || process.platform !== 'linux') return undefined;
  const p = probeLinuxNetworking();
  if (p.enabled) return undefined;
  const fix = process.getuid?.() !== 0
    ? 'run "wincri serve" as root (sudo)'
    : 'install them: apt-get install -y iproute2 nftables (Debian/Ubuntu; other distributions: the packages providing `ip` and `nft`)';
  return `pods will get no network of their own (${p.reason}): they run in the host network namespace and HNS networks are bookkeeping only. For real pod networking, ${fix}, then restart wincri (stop the old emulator service first: wincri shutdown).`;
}
