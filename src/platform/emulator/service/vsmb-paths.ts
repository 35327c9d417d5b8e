/**
 * VSMB guest paths in a hosted system's document (hcs/document/vsmb.ts): inside a utility VM the folders the VM
 * shares are `\\?\VMSMB\VSMB-{dcc079ae-60ba-4d07-847c-3493609c0870}\<share>`. The emulator's guest has no SMB
 * redirector, so a hosted system's layers and mapped directories naming such paths are resolved at create to the
 * host folder the VM shares under that name; a share the VM does not have fails as the guest would
 * (ERROR_PATH_NOT_FOUND). A read-only mapped directory must come from a read-only share (the guest could write
 * through a writable one) and so must a layer.
 */
import { PlatformError, HRESULT } from '../../hresult.js';
import type { ContainerDoc, VirtualSmbShareDoc } from '../../hcs/schema/index.js';
import type { SystemRecord } from './records.js';

export const VSMB_GUEST_PATH = /^\\\\\?\\VMSMB\\VSMB-\{dcc079ae-60ba-4d07-847c-3493609c0870\}\\([^\\]+)(\\.*)?$/i;

/** Resolves in place; returns the fields that named guest paths, with the paths as sent. */
export function resolveVsmbMappings(op: string, c: ContainerDoc | undefined, vm: SystemRecord | undefined): Record<string, string> {
  const sent: Record<string, string> = {};
  const resolve = (field: string, p: string | undefined, readOnly: boolean): string | undefined => {
    const m = VSMB_GUEST_PATH.exec(p ?? '');
    if (!m) return undefined;
    const share: VirtualSmbShareDoc | undefined = vm?.document.VirtualMachine?.Devices?.VirtualSmb?.Shares?.find((s) => s.Name?.toLowerCase() === m[1]!.toLowerCase());
    if (!share?.Path) throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `${field} ${p}: the utility VM has no VSMB share ${m[1]}`);
    if (readOnly && !share.Options?.ReadOnly) throw new PlatformError(HRESULT.E_ACCESSDENIED, op, `${field} ${p}: VSMB share ${m[1]} is not read-only`);
    sent[field] = p!;
    return share.Path + (m[2] ?? '').replace(/\\/g, '/');
  };
  for (const [i, l] of (c?.Storage?.Layers ?? []).entries()) {
    const host = resolve(`Storage.Layers[${i}].Path`, l.Path, true);
    if (host) l.Path = host;
  }
  for (const [i, md] of (c?.MappedDirectories ?? []).entries()) {
    const host = resolve(`MappedDirectories[${i}].HostPath`, md.HostPath, !!md.ReadOnly);
    if (host) md.HostPath = host;
  }
  return sent;
}
