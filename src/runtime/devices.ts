/**
 * CRI devices → the OCI `windows.devices` of the spec, as containerd does on Windows: a device's host_path names
 * it as `IDType://ID` (also written `IDType/ID`, kubelet's device-plugin form, e.g. `class/5B45201D-…`).
 * Process-isolated containers accept an interface class GUID (`class`, `vpci-class-guid`) or a device instance
 * path (`vpci-location-path`, e.g. `PCIROOT(0)#PCI(0100)`); which ones a container can take is the HCS document
 * builder's knowledge (platform/hcs/document/devices.ts), asked here so the error names the CRI field.
 */
import type { ContainerConfig } from './model.js';
import type { SpecWindows } from '../platform/spec.js';
import { invalidArgument } from '../errors.js';
import { deviceProblem } from '../platform/hcs/document/index.js';

export function specDevices(devices: ContainerConfig['devices']): SpecWindows['devices'] {
  if (devices.length === 0) return undefined;
  return devices.map((d, i) => {
    const field = `devices[${i}].host_path`;
    const m = /^([a-z-]+)(?::\/\/|\/)(.+)$/i.exec(d.hostPath);
    if (!m) {
      throw invalidArgument(`${field} "${d.hostPath}": expected IDType://ID, e.g. class://<interface class GUID> or vpci-location-path://<device instance path>`);
    }
    const device = { idType: m[1]!.toLowerCase(), id: m[2]! };
    const problem = deviceProblem(device);
    if (problem) throw invalidArgument(`${field} "${d.hostPath}": ${problem}`);
    return device;
  });
}
