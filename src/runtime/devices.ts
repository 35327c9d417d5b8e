/**
 * CRI devices → the OCI `windows.devices` of the spec, as containerd does on Windows: a device's host_path names
 * it as `IDType://ID` (also written `IDType/ID`, kubelet's device-plugin form, e.g. `class/5B45201D-…`).
 * Process-isolated containers accept an interface class GUID (`class`, `vpci-class-guid`) or a device instance
 * path (`vpci-location-path`, e.g. `PCIROOT(0)#PCI(0100)`); the HCS document builder maps them to AssignedDevices.
 */
import type { ContainerConfig } from './model.js';
import type { SpecWindows } from '../platform/spec.js';
import { invalidArgument } from '../errors.js';

const GUID = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;
const CLASS_TYPES = new Set(['class', 'vpci-class-guid']);
const INSTANCE_TYPES = new Set(['vpci-location-path']);

export function specDevices(devices: ContainerConfig['devices']): SpecWindows['devices'] {
  if (devices.length === 0) return undefined;
  return devices.map((d, i) => {
    const field = `devices[${i}].host_path`;
    const m = /^([a-z-]+)(?::\/\/|\/)(.+)$/i.exec(d.hostPath);
    if (!m) {
      throw invalidArgument(`${field} "${d.hostPath}": expected IDType://ID, e.g. class://<interface class GUID> or vpci-location-path://<device instance path>`);
    }
    const idType = m[1]!.toLowerCase();
    const id = m[2]!;
    if (CLASS_TYPES.has(idType)) {
      if (!GUID.test(id)) throw invalidArgument(`${field} "${d.hostPath}": ${idType} needs an interface class GUID, got "${id}"`);
      return { idType, id: id.replace(/^\{|\}$/g, '') };
    }
    if (INSTANCE_TYPES.has(idType)) return { idType, id };
    throw invalidArgument(`${field} "${d.hostPath}": device id type "${idType}" is not supported for process-isolated containers (use class, vpci-class-guid or vpci-location-path)`);
  });
}
