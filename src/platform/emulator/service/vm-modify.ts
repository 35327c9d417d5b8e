/**
 * HcsModifyComputeSystem requests on a utility VM in the emulator: SCSI attachments (vm-scsi.ts), VSMB shares (the host path must exist; names
 * are unique), network adapters (by adapter ID; an Add names an endpoint and a MAC), HvSocket service-table
 * entries, and guest-only requests (GuestRequest without ResourcePath): CombinedLayers (vm-combine.ts); others
 * (e.g. a NIC PreAdd) the emulator's guest accepts when they are well formed. Applied to the VM's document, so properties and restarts see them.
 */
import { existsSync } from 'node:fs';
import { PlatformError, HRESULT } from '../../hresult.js';
import { validate, type Schema } from '../../schema.js';
import {
  VirtualSmbShare, NetworkAdapter, HvSocketServiceConfig, GuestModificationRequest, type ModifySettingRequestDoc,
} from '../../hcs/schema/index.js';
import type { SystemRecord } from './records.js';
import { invalid } from './documents.js';
import { applyScsiModify, SCSI_PATH } from './vm-scsi.js';
import { applyCombinedLayers } from './vm-combine.js';

function settings<T>(op: string, schema: Schema<T>, v: unknown): T {
  const r = validate(schema, v);
  if (!r.ok) throw invalid(op, `Settings${r.problem.path === '<document>' ? '' : '.' + r.problem.path}`, r.problem.message);
  return r.value;
}

export function applyVmModify(op: string, s: SystemRecord, req: ModifySettingRequestDoc): void | Promise<void> {
  const vm = s.document.VirtualMachine!;
  const devices = vm.Devices ?? (vm.Devices = {});
  const path = (req.ResourcePath ?? '').replace(/^\/+/, '');
  if (req.GuestRequest !== undefined && req.GuestRequest !== null && !path) {
    const r = validate(GuestModificationRequest, req.GuestRequest);
    if (!r.ok || !r.value.ResourceType) throw invalid(op, 'GuestRequest', r.ok ? 'ResourceType is required' : r.problem.message);
    if (r.value.ResourceType === 'CombinedLayers') return applyCombinedLayers(op, s, r.value);
    return;
  }
  if (s.state !== 'Running') throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `${s.id} is ${s.state}`);
  if (path === 'VirtualMachine/Devices/VirtualSmb/Shares') {
    const share = settings(op, VirtualSmbShare, req.Settings);
    const smb = devices.VirtualSmb ?? (devices.VirtualSmb = {});
    const shares = smb.Shares ?? (smb.Shares = []);
    const i = shares.findIndex((x) => x.Name === share.Name);
    if (req.RequestType === 'Add') {
      if (!share.Name || !share.Path) throw invalid(op, 'Settings', 'a share needs Name and Path');
      if (i >= 0) throw new PlatformError(HRESULT.ERROR_ALREADY_EXISTS, op, `VSMB share ${share.Name} exists`);
      if (!existsSync(share.Path)) throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `${share.Path} does not exist`);
      shares.push(share);
    } else if (req.RequestType === 'Remove') {
      if (i < 0) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `VSMB share ${share.Name ?? ''} not found`);
      shares.splice(i, 1);
    } else throw invalid(op, 'RequestType', `${req.RequestType ?? ''} is not supported for VSMB shares`);
    return;
  }
  const scsi = SCSI_PATH.exec(path);
  if (scsi) return applyScsiModify(op, s, req, scsi);
  const nic = /^VirtualMachine\/Devices\/NetworkAdapters\/([^/]+)$/.exec(path);
  if (nic) {
    const adapters = devices.NetworkAdapters ?? (devices.NetworkAdapters = {});
    const id = nic[1]!;
    if (req.RequestType === 'Add') {
      const a = settings(op, NetworkAdapter, req.Settings);
      if (!a.EndpointId || !a.MacAddress) throw invalid(op, 'Settings', 'a network adapter needs EndpointId and MacAddress');
      if (adapters[id]) throw new PlatformError(HRESULT.ERROR_ALREADY_EXISTS, op, `network adapter ${id} exists`);
      adapters[id] = a;
    } else if (req.RequestType === 'Remove') {
      if (!adapters[id]) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `network adapter ${id} not found`);
      delete adapters[id];
    } else throw invalid(op, 'RequestType', `${req.RequestType ?? ''} is not supported for network adapters`);
    return;
  }
  const svc = /^VirtualMachine\/Devices\/HvSocket\/HvSocketConfig\/ServiceTable\/([^/]+)$/.exec(path);
  if (svc) {
    const hv = devices.HvSocket ?? (devices.HvSocket = {});
    const cfg = hv.HvSocketConfig ?? (hv.HvSocketConfig = {});
    const table = cfg.ServiceTable ?? (cfg.ServiceTable = {});
    if (req.RequestType === 'Remove') delete table[svc[1]!];
    else table[svc[1]!] = settings(op, HvSocketServiceConfig, req.Settings);
    return;
  }
  throw new PlatformError(HRESULT.E_INVALIDARG, op, `ResourcePath ${req.ResourcePath ?? '(none)'} is not supported on a utility VM by the emulator`);
}
