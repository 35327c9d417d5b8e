/**
 * Bookkeeping of a utility VM's VSMB shares (pure, on the VM record): a host folder is shared once per option set
 * and reference-counted by the containers that use it; share names count up and are not reused while the VM runs.
 */
import type { UtilityVmRecord, VsmbShareRecord } from '../model.js';
import { vsmbShareName, type VsmbNamer } from '../../platform/hcs/document/index.js';
import { failedPrecondition } from '../../errors.js';

const sameOptions = (a: Record<string, boolean>, b: Record<string, boolean>): boolean => {
  const ka = Object.keys(a).filter((k) => a[k]).sort();
  const kb = Object.keys(b).filter((k) => b[k]).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
};

const find = (vm: UtilityVmRecord, path: string, options: Record<string, boolean>): VsmbShareRecord | undefined =>
  vm.vsmb?.find((s) => s.path === path && sameOptions(s.options, options));

/**
 * A namer that records `containerId` as a user of each share it names, creating records (with fresh names) for
 * folders not shared yet; `created` collects those new records (the ones to add to the VM).
 */
export function claimingNamer(vm: UtilityVmRecord, containerId: string, created: VsmbShareRecord[]): VsmbNamer {
  return (path, options) => {
    let rec = find(vm, path, options);
    if (!rec) {
      vm.vsmbNext ??= 1;
      rec = { name: vsmbShareName(vm.vsmbNext++), path, options: { ...options }, users: [] };
      (vm.vsmb ??= []).push(rec);
      created.push(rec);
    }
    if (!rec.users.includes(containerId)) rec.users.push(containerId);
    return rec.name;
  };
}

/** A namer that only looks shares up (the document of a container whose shares are claimed already). */
export function recordedNamer(vm: UtilityVmRecord | undefined): VsmbNamer {
  return (path, options) => {
    const rec = vm && find(vm, path, options);
    if (!rec) throw failedPrecondition(`utility VM ${vm?.id ?? '(none)'} has no VSMB share recorded for ${path}: it was restarted since the container was created; recreate the container`);
    return rec.name;
  };
}

/** Drops the container from every share; returns (and forgets) the shares no container uses any more. */
export function releaseShares(vm: UtilityVmRecord, containerId: string): VsmbShareRecord[] {
  const freed: VsmbShareRecord[] = [];
  for (const s of vm.vsmb ?? []) {
    s.users = s.users.filter((u) => u !== containerId);
    if (!s.users.length) freed.push(s);
  }
  if (freed.length) vm.vsmb = (vm.vsmb ?? []).filter((s) => !freed.includes(s));
  return freed;
}

/** Forgets every share (the VM stopped: they went with it). */
export function forgetShares(vm: UtilityVmRecord): void {
  delete vm.vsmb;
  delete vm.vsmbNext;
}
