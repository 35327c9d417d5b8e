/**
 * VSMB guest paths in a hosted system's document (hcs/document/vsmb.ts): inside a utility VM the folders the VM
 * shares are `\\?\VMSMB\VSMB-{dcc079ae-60ba-4d07-847c-3493609c0870}\<share>`. The emulator's guest has no SMB
 * redirector, so a hosted system's mapped directories naming such paths are resolved at create to the host folder
 * the VM shares under that name; a share the VM does not have fails as the guest would (ERROR_PATH_NOT_FOUND).
 */
import { PlatformError, HRESULT } from '../../hresult.js';
import type { ContainerDoc } from '../../hcs/schema/index.js';
import type { SystemRecord } from './records.js';

const GUEST = /^\\\\\?\\VMSMB\\VSMB-\{dcc079ae-60ba-4d07-847c-3493609c0870\}\\([^\\]+)(\\.*)?$/i;

export function resolveVsmbMappings(op: string, c: ContainerDoc | undefined, vm: SystemRecord | undefined): void {
  for (const [i, md] of (c?.MappedDirectories ?? []).entries()) {
    const m = GUEST.exec(md.HostPath ?? '');
    if (!m) continue;
    const share = vm?.document.VirtualMachine?.Devices?.VirtualSmb?.Shares?.find((s) => s.Name?.toLowerCase() === m[1]!.toLowerCase());
    if (!share?.Path) {
      throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `MappedDirectories[${i}].HostPath ${md.HostPath}: the utility VM has no VSMB share ${m[1]}`);
    }
    md.HostPath = share.Path + (m[2] ?? '').replace(/\\/g, '/');
  }
}
