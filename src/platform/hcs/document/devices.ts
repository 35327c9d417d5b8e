/**
 * OCI `windows.devices` → HCS AssignedDevices, for process-isolated containers (the id types hcsshim accepts there):
 * an interface class GUID (`class`, `vpci-class-guid`) or a device instance path (`vpci-location-path`).
 */
import type { DeviceDoc } from '../schema/index.js';
import { DocumentError } from './errors.js';

const GUID = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;
const CLASS_TYPES = new Set(['class', 'vpci-class-guid']);
const INSTANCE_TYPES = new Set(['vpci-location-path']);

/** Why this device cannot be assigned to a process-isolated container, or undefined when it can. */
export function deviceProblem(d: { id: string; idType: string }): string | undefined {
  if (CLASS_TYPES.has(d.idType)) return GUID.test(d.id) ? undefined : `${d.idType} needs an interface class GUID, got "${d.id}"`;
  if (INSTANCE_TYPES.has(d.idType)) return d.id ? undefined : `${d.idType} needs a device instance path`;
  return `device id type "${d.idType}" is not supported for process-isolated containers (use ${[...CLASS_TYPES, ...INSTANCE_TYPES].join(', ')})`;
}

export function assignedDevice(d: { id: string; idType: string }): DeviceDoc {
  const problem = deviceProblem(d);
  if (problem) throw new DocumentError(problem);
  return CLASS_TYPES.has(d.idType)
    ? { Type: 'ClassGuid', InterfaceClassGuid: d.id.replace(/^\{|\}$/g, '') }
    : { Type: 'DeviceInstance', LocationPath: d.id };
}
