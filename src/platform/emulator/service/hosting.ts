/**
 * Utility VMs and their hosted systems (Hyper-V isolation) in the compute emulator. A VirtualMachine document is
 * validated as HCS would need it to boot: memory, processors, UEFI boot from the VSMB share "os" whose folder
 * (the image's UtilityVM\Files) must hold the boot file. A hosted system (HostedSystem + HostingSystemId) needs a
 * running VM; it joins the VM's PID and UTS namespaces and nests its cgroup in the VM's (isolate.ts), so the VM's
 * memory and CPU limits cover everything inside it; stopping the VM stops its hosted systems first. A VM's
 * statistics are the sum of what runs inside it.
 */
import { existsSync, statSync } from 'node:fs';
import { PlatformError, HRESULT } from '../../hresult.js';
import type { ComputeSystemDoc, ContainerDoc, StatisticsDoc } from '../../hcs/schema/index.js';
import { invalid } from './documents.js';
import { checkVmDisks } from './vm-scsi.js';
import type { SystemRecord } from './records.js';

/** Structure and boot files of a utility VM, and the hosted-system envelope rules. */
export function checkHosting(op: string, doc: ComputeSystemDoc, hosting: SystemRecord | undefined): void {
  if (doc.HostedSystem && !doc.HostingSystemId) throw invalid(op, 'HostingSystemId', 'a HostedSystem needs the ID of the utility VM that hosts it');
  if (doc.HostingSystemId && !doc.HostedSystem) throw invalid(op, 'HostedSystem', 'a system with HostingSystemId is described by HostedSystem');
  if (doc.HostingSystemId && hosting) {
    if (!hosting.document.VirtualMachine) throw invalid(op, 'HostingSystemId', `${hosting.id} is not a virtual machine`);
    if (hosting.state !== 'Running') throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `hosting system ${hosting.id} is ${hosting.state}`);
  }
  const vm = doc.VirtualMachine;
  if (!vm) return;
  const mb = vm.ComputeTopology?.Memory?.SizeInMB;
  if (!mb || mb < 1) throw invalid(op, 'VirtualMachine.ComputeTopology.Memory.SizeInMB', 'required (at least 1)');
  const count = vm.ComputeTopology?.Processor?.Count;
  if (count !== undefined && count < 1) throw invalid(op, 'VirtualMachine.ComputeTopology.Processor.Count', 'must be at least 1');
  const limit = vm.ComputeTopology?.Processor?.Limit;
  if (limit !== undefined && limit > 100000) throw invalid(op, 'VirtualMachine.ComputeTopology.Processor.Limit', 'must be within 0..100000');
  checkVmDisks(op, vm);
  const boot = vm.Chipset?.Uefi?.BootThis;
  if (!boot?.DevicePath) throw invalid(op, 'VirtualMachine.Chipset.Uefi.BootThis', 'a boot entry (DeviceType, DevicePath) is required');
  if (boot.DeviceType !== 'VmbFs') return; // other boot devices (VHD, CIM) are not emulated beyond their shape
  const os = vm.Devices?.VirtualSmb?.Shares?.find((s) => s.Name === 'os');
  if (!os?.Path) throw invalid(op, 'VirtualMachine.Devices.VirtualSmb.Shares', 'VmbFs boot needs the share "os" with the UtilityVM\\Files folder');
  if (!isDir(os.Path)) throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `utility VM boot files ${os.Path} do not exist (the image has no UtilityVM folder?)`);
  const file = os.Path.replace(/[\\/]+$/, '') + '/' + boot.DevicePath.replace(/\\/g, '/').replace(/^\/+/, '');
  if (!existsSync(file)) throw new PlatformError(HRESULT.ERROR_FILE_NOT_FOUND, op, `utility VM boot file ${boot.DevicePath} not found under ${os.Path}`);
}

function isDir(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

/** Systems hosted by `vm` that have not stopped. */
export function hostedOf(systems: Iterable<SystemRecord>, vm: SystemRecord): SystemRecord[] {
  if (!vm.document.VirtualMachine) return [];
  return [...systems].filter((s) => s.document.HostingSystemId === vm.id && s.state !== 'Stopped');
}

/** A VM's resource settings in the Container shape the cgroup code applies (memory, processor count or limit). */
export function vmLimits(doc: ComputeSystemDoc): ContainerDoc | undefined {
  const t = doc.VirtualMachine?.ComputeTopology;
  if (!t) return undefined;
  const c: ContainerDoc = {};
  if (t.Memory?.SizeInMB) c.Memory = { SizeInMB: t.Memory.SizeInMB };
  if (t.Processor?.Count) c.Processor = { Count: t.Processor.Count };
  return c;
}

/** The VM's statistics: everything its hosted systems used (CPU, memory, storage). */
export function sumStatistics(own: StatisticsDoc, inside: StatisticsDoc[]): StatisticsDoc {
  const out = structuredClone(own);
  for (const s of inside) {
    for (const k of ['TotalRuntime100ns', 'RuntimeUser100ns', 'RuntimeKernel100ns'] as const) {
      out.Processor![k] = (out.Processor![k] ?? 0) + (s.Processor?.[k] ?? 0);
    }
    for (const k of ['MemoryUsageCommitBytes', 'MemoryUsageCommitPeakBytes', 'MemoryUsagePrivateWorkingSetBytes'] as const) {
      out.Memory![k] = (out.Memory![k] ?? 0) + (s.Memory?.[k] ?? 0);
    }
    for (const k of ['ReadCountNormalized', 'ReadSizeBytes', 'WriteCountNormalized', 'WriteSizeBytes'] as const) {
      out.Storage![k] = (out.Storage![k] ?? 0) + (s.Storage?.[k] ?? 0);
    }
  }
  return out;
}
