/**
 * `runtimeHandlers:` — the RuntimeClass handlers RunPodSandbox accepts, name → isolation and utility-VM sizing
 * (containerd's names: runhcs-wcow-process, runhcs-wcow-hypervisor; reference/hcs.md §6.1). The older list form
 * (`[name, …]`) is still read: each name is a process-isolated handler.
 */
import { Problems, isMapping, describe } from './check.js';

export type Isolation = 'process' | 'hyperv';

/** Utility-VM sizing of a Hyper-V handler: the pod's own resources (or the defaults here) plus the overhead. */
export interface UtilityVmConfig {
  /** VM memory when the pod states none (sandbox resources or the io.microsoft.virtualmachine annotation). */
  memoryMiB: number;
  /** vCPUs when the pod states none. */
  processorCount: number;
  /** Memory added for the VM's own operating system. */
  memoryOverheadMiB: number;
  /** vCPUs added for the VM's own work. */
  processorOverhead: number;
}

export interface RuntimeHandlerConfig {
  isolation: Isolation;
  /** Present for (and only for) Hyper-V handlers. */
  utilityVm?: UtilityVmConfig;
}

export const PROCESS_HANDLER = 'runhcs-wcow-process';
export const HYPERV_HANDLER = 'runhcs-wcow-hypervisor';

/** hcsshim's default utility VM is 1024 MB with min(2, host CPUs) processors: 768 + 256 overhead, 2 + 0. */
export function defaultUtilityVm(): UtilityVmConfig {
  return { memoryMiB: 768, processorCount: 2, memoryOverheadMiB: 256, processorOverhead: 0 };
}

export function defaultRuntimeHandlers(): Record<string, RuntimeHandlerConfig> {
  return {
    [PROCESS_HANDLER]: { isolation: 'process' },
    [HYPERV_HANDLER]: { isolation: 'hyperv', utilityVm: defaultUtilityVm() },
  };
}

const NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const VM_KEYS = ['memoryMiB', 'processorCount', 'memoryOverheadMiB', 'processorOverhead'] as const;

/** Reads either form; every problem is reported with its path. */
export function parseRuntimeHandlers(v: unknown, p: Problems): Record<string, RuntimeHandlerConfig> {
  const out: Record<string, RuntimeHandlerConfig> = {};
  const at = ['runtimeHandlers'];
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      if (typeof x !== 'string') p.add([...at, i], `expected a string, got ${describe(x)}`);
      else if (x === '') p.add([...at, i], '"" is always the default handler; list only named ones');
      else out[x] = { isolation: 'process' };
    });
    return out;
  }
  if (!isMapping(v)) { p.add(at, `expected a mapping of handler name to settings (or a list of names), got ${describe(v)}`); return out; }
  for (const [name, raw] of Object.entries(v)) {
    const here = [...at, name];
    if (!NAME_RE.test(name)) { p.add(here, 'a handler name is a DNS label or subdomain (what RuntimeClass.handler allows)'); continue; }
    const r = raw === null ? {} : raw;
    if (!isMapping(r)) { p.add(here, `expected a mapping { isolation, utilityVm }, got ${describe(raw)}`); continue; }
    for (const k of Object.keys(r)) if (k !== 'isolation' && k !== 'utilityVm') p.add([...here, k], 'unknown key');
    const isolation = r.isolation ?? 'process';
    if (isolation !== 'process' && isolation !== 'hyperv') { p.add([...here, 'isolation'], `must be "process" or "hyperv", got ${describe(isolation)}`); continue; }
    if (isolation === 'process') {
      if (r.utilityVm !== undefined) p.add([...here, 'utilityVm'], 'only a hyperv handler has a utility VM');
      out[name] = { isolation };
      continue;
    }
    const vm = defaultUtilityVm();
    if (r.utilityVm !== undefined && r.utilityVm !== null) {
      if (!isMapping(r.utilityVm)) { p.add([...here, 'utilityVm'], `expected a mapping, got ${describe(r.utilityVm)}`); continue; }
      for (const [k, x] of Object.entries(r.utilityVm)) {
        if (!(VM_KEYS as readonly string[]).includes(k)) { p.add([...here, 'utilityVm', k], 'unknown key'); continue; }
        const min = k === 'memoryMiB' || k === 'processorCount' ? 1 : 0;
        if (typeof x !== 'number' || !Number.isInteger(x) || x < min) p.add([...here, 'utilityVm', k], `expected a whole number >= ${min}, got ${describe(x)}`);
        else vm[k as keyof UtilityVmConfig] = x;
      }
    }
    out[name] = { isolation, utilityVm: vm };
  }
  return out;
}
