/**
 * Who holds a layer folder, so HcsDestroyLayer can refuse to delete it (storage.ts): a compute system that has not
 * stopped whose C:\ is in the layer (a process-isolated container on the layer's volume, or a container hosted in
 * a utility VM on the disk the layer holds), or a utility VM that has not stopped with a SCSI attachment of a
 * virtual disk in the layer. The storage filter (the layer's volume) is the storage emulator's own record.
 *
 * The refusal code is ERROR_SHARING_VIOLATION. HcsDestroyLayer's documentation names no error for an in-use layer;
 * what is known: containerd's windows snapshotter (plugins/snapshots/windows, Remove) renames a snapshot folder
 * before DestroyLayer precisely because the rename fails while the layer is in use, and notes that open handles
 * inside it ("especially VHD") make it fail with "access denied" or "file is being used by another process" — the
 * message of ERROR_SHARING_VIOLATION (Win32 32). A deletion under open handles fails that way on Windows, so the
 * emulator reports it as HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION) = 0x80070020.
 */
import { sep } from 'node:path';
import type { SystemRecord } from './records.js';
import { diskFolder } from './vm-scsi.js';

const inside = (p: string, layer: string): boolean => p === layer || p.startsWith(layer.endsWith(sep) ? layer : layer + sep);

/** Why `layerPath` (absolute, resolved) is in use by a compute system, or undefined. */
export function layerHolder(layerPath: string, systems: Iterable<SystemRecord>): string | undefined {
  for (const s of systems) {
    if (s.state === 'Stopped') continue;
    if (s.root && inside(s.root, layerPath)) return `it holds the C:\\ of compute system ${s.id} (${s.state})`;
    for (const [controller, c] of Object.entries(s.document.VirtualMachine?.Devices?.Scsi ?? {})) {
      for (const [lun, a] of Object.entries(c.Attachments ?? {})) {
        if (a.Path && inside(diskFolder(a.Path), layerPath)) return `its disk ${a.Path} is attached to utility VM ${s.id} (SCSI ${controller} LUN ${lun})`;
      }
    }
  }
  return undefined;
}
