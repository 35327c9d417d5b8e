/**
 * The CombinedLayers guest request on a utility VM in the emulator (hcs/document/combined-layers.ts): the guest
 * puts its filter on a container root with VSMB-shared layers as parents. Checked as the guest would need it: the
 * VM runs, ContainerRootPath is a SCSI disk mounted in this guest (vm-scsi.ts), every layer path is a read-only
 * VSMB share of this VM. The emulator's filter is the union materialised in the folder the disk stands for
 * (union.ts), which a hosted document naming the mount resolves to (scsi-paths.ts). Remove forgets the combination
 * (the materialised files stay, as a scratch keeps what was written through the filter).
 */
import { PlatformError, HRESULT } from '../../hresult.js';
import { validate } from '../../schema.js';
import { WcowCombinedLayers, type GuestModificationRequestDoc } from '../../hcs/schema/index.js';
import type { SystemRecord } from './records.js';
import { invalid } from './documents.js';
import { diskFolder, guestPathKey } from './vm-scsi.js';
import { VSMB_GUEST_PATH } from './vsmb-paths.js';
import { materialiseUnion } from './union.js';

export async function applyCombinedLayers(op: string, s: SystemRecord, g: GuestModificationRequestDoc): Promise<void> {
  const r = validate(WcowCombinedLayers, g.Settings);
  if (!r.ok) throw invalid(op, `GuestRequest.Settings${r.problem.path === '<document>' ? '' : '.' + r.problem.path}`, r.problem.message);
  if (s.state !== 'Running') throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `${s.id} is ${s.state}`);
  const root = r.value.ContainerRootPath;
  if (!root) throw invalid(op, 'GuestRequest.Settings.ContainerRootPath', 'required');
  const key = guestPathKey(root);
  const combined = s.combinedLayers ?? (s.combinedLayers = []);
  const i = combined.findIndex((c) => guestPathKey(c.root) === key);
  if (g.RequestType === 'Remove') {
    if (i < 0) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `no combined layers at ${root}`);
    combined.splice(i, 1);
    return;
  }
  if (g.RequestType !== 'Add') throw invalid(op, 'GuestRequest.RequestType', `${g.RequestType ?? ''} is not supported for CombinedLayers`);
  const mount = s.scsiMounts?.find((m) => guestPathKey(m.path) === key);
  const disk = mount && s.document.VirtualMachine?.Devices?.Scsi?.[mount.controller]?.Attachments?.[String(mount.lun)];
  if (!disk?.Path) throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `ContainerRootPath ${root} is not a SCSI disk mounted in utility VM ${s.id}`);
  if (i >= 0) throw new PlatformError(HRESULT.ERROR_ALREADY_EXISTS, op, `layers are combined at ${root} already`);
  const layers = r.value.Layers ?? [];
  if (!layers.length) throw invalid(op, 'GuestRequest.Settings.Layers', 'at least the base layer is required');
  const parents = layers.map((l, n) => {
    const field = `GuestRequest.Settings.Layers[${n}].Path`;
    const m = VSMB_GUEST_PATH.exec(l.Path ?? '');
    if (!m || m[2]) throw invalid(op, field, `${l.Path ?? '(none)'} is not a VSMB share of the utility VM`);
    const share = s.document.VirtualMachine?.Devices?.VirtualSmb?.Shares?.find((x) => x.Name?.toLowerCase() === m[1]!.toLowerCase());
    if (!share?.Path) throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `${field} ${l.Path}: the utility VM has no VSMB share ${m[1]}`);
    if (!share.Options?.ReadOnly) throw new PlatformError(HRESULT.E_ACCESSDENIED, op, `${field} ${l.Path}: VSMB share ${m[1]} is not read-only`);
    return share.Path;
  });
  await materialiseUnion(op, diskFolder(disk.Path), parents);
  combined.push({ root, layers: layers.map((l) => l.Path!) });
}
