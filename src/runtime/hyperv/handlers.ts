/**
 * Runtime handlers (RuntimeClass): which isolation a pod gets and, for Hyper-V, how big its utility VM is. The
 * configuration's map arrives here as plain data (config/runtime-handlers.ts has the same shape).
 */
import { invalidArgument } from '../../errors.js';
import type { SandboxConfig } from '../model.js';

export interface UtilityVmSizing { memoryMiB: number; processorCount: number; memoryOverheadMiB: number; processorOverhead: number }
export interface RuntimeHandler { isolation: 'process' | 'hyperv'; utilityVm?: UtilityVmSizing }

/** Pod annotations containerd's hypervisor handler passes to hcsshim (internal/oci/uvm.go). */
export const VM_MEMORY_ANNOTATION = 'io.microsoft.virtualmachine.computetopology.memory.sizeinmb';
export const VM_PROCESSORS_ANNOTATION = 'io.microsoft.virtualmachine.computetopology.processor.count';

const MiB = 1024 * 1024;
const DEFAULT_SIZING: UtilityVmSizing = { memoryMiB: 768, processorCount: 2, memoryOverheadMiB: 256, processorOverhead: 0 };

/** "" is the default (process) handler; an unknown name is the caller's mistake, answered with the known ones. */
export function resolveHandler(handlers: Record<string, RuntimeHandler>, name: string): RuntimeHandler {
  if (!name) return { isolation: 'process' };
  const h = handlers[name];
  if (h) return h;
  const known = ['"" (default, process)', ...Object.entries(handlers).map(([n, c]) => `"${n}" (${c.isolation})`)].join(', ');
  throw invalidArgument(`runtime_handler "${name}" is not configured; configured handlers: ${known} (runtimeHandlers in the wincri configuration)`);
}

function annotationNumber(c: SandboxConfig, key: string): number | undefined {
  const v = c.annotations[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw invalidArgument(`annotation ${key}: "${v}" is not a positive whole number`);
  return n;
}

/**
 * VM memory and vCPUs: an explicit annotation wins as is (as in hcsshim); else the pod's stated resources (or the
 * handler's defaults when it states none) plus the handler's overhead. vCPUs are clamped to the host's.
 */
export function utilityVmSize(h: RuntimeHandler, c: SandboxConfig, hostCpus: number): { memoryMiB: number; processorCount: number } {
  const s = h.utilityVm ?? DEFAULT_SIZING;
  const memAnn = annotationNumber(c, VM_MEMORY_ANNOTATION);
  const cpuAnn = annotationNumber(c, VM_PROCESSORS_ANNOTATION);
  const podMem = c.resources && c.resources.memoryBytes > 0 ? Math.ceil(c.resources.memoryBytes / MiB) : s.memoryMiB;
  const podCpu = c.resources && c.resources.cpus > 0 ? Math.ceil(c.resources.cpus) : s.processorCount;
  const memoryMiB = memAnn ?? podMem + s.memoryOverheadMiB;
  const processorCount = Math.max(1, Math.min(cpuAnn ?? podCpu + s.processorOverhead, Math.max(1, hostCpus)));
  return { memoryMiB, processorCount };
}
