/**
 * What a lifecycle sample's time went to, read around it (--lifecycle-trace): the machine's CPU and IO pressure
 * stall time (/proc/pressure), its kernel CPU time (system + irq + softirq in /proc/stat) and within it the CPU of the
 * kernel's own threads (kworkers: network namespace teardown runs in one), the CPU of the target's own processes, and for wincri the server-side time of
 * each RPC with its platform / IO keeper / CNI exec parts and the pod network's CNI ADD (deltas of the daemon's Prometheus counters).
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { Target } from '../target.js';
import { cpuSnapshot, cpuUsed, TICK_MS } from '../lib/procs.js';
import { METHODS, scrape, sum } from '../phases/outside.js';

export interface Machine { psiCpuUs: number; psiIoUs: number; kernelTicks: number; busyTicks: number; kthreadTicks: number }

/** CPU ticks of every kernel thread (a child of kthreadd, pid 2) this pid namespace shows. */
function kthreadTicks(): number {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      if (f[1] === '2') n += Number(f[11]) + Number(f[12]);
    } catch { /* gone */ }
  }
  return n;
}

const psiTotal = (what: string) => Number(/total=(\d+)/.exec(readFileSync(`/proc/pressure/${what}`, 'utf8'))?.[1] ?? NaN);

export function machine(): Machine {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f as number[] as [number, number, number, number, number, number, number, number];
  let psiCpuUs = NaN; let psiIoUs = NaN;
  try { psiCpuUs = psiTotal('cpu'); psiIoUs = psiTotal('io'); } catch { /* no PSI on this kernel */ }
  return { psiCpuUs, psiIoUs, kernelTicks: system + irq + softirq, busyTicks: user + nice + system + irq + softirq + steal, kthreadTicks: kthreadTicks() };
}

/** Server-side ms of each lifecycle RPC and its outside parts, from one scrape of wincri's metrics. */
export type Server = Record<string, { ms: number; platform: number; keeper: number; cni: number }>;

export function serverTimes(text: string): Server {
  const out: Server = {};
  for (const method of METHODS) {
    const part = (p: string) => sum(text, 'wincri_grpc_outside_seconds_total', { method, part: p }) * 1000;
    out[method] = { ms: sum(text, 'wincri_grpc_request_duration_seconds_sum', { method }) * 1000, platform: part('platform'), keeper: part('keeper'), cni: part('cni-exec') };
  }
  // The pod network's ADD inside RunPodSandbox, whether exec'd or run in-process (only an exec counts as cni-exec).
  out['CNI ADD'] = { ms: sum(text, 'wincri_cni_operation_duration_seconds_sum', { operation: 'ADD' }) * 1000, platform: 0, keeper: 0, cni: 0 };
  return out;
}

export function serverDelta(a: Server, b: Server): Server {
  const out: Server = {};
  for (const m of Object.keys(b)) {
    const x = a[m]!; const y = b[m]!;
    out[m] = { ms: y.ms - x.ms, platform: y.platform - x.platform, keeper: y.keeper - x.keeper, cni: y.cni - x.cni };
  }
  return out;
}

/** Readings taken before a sample, turned into the sample's figures after it. */
export class Probe {
  private m0 = machine();
  private cpu0: Map<number, number>;
  constructor(private readonly t: Target, private readonly server0?: Server) { this.cpu0 = cpuSnapshot(t.pids()); }

  async end(): Promise<{ psiCpuMs: number; psiIoMs: number; kernelMs: number; kthreadMs: number; busyMs: number; runtimeCpuMs: number; server?: Server; next?: Server }> {
    const m1 = machine();
    const runtimeCpuMs = cpuUsed(this.cpu0, cpuSnapshot(this.t.pids())) * TICK_MS;
    const next = this.t.metricsUrl ? serverTimes(await scrape(this.t.metricsUrl)) : undefined;
    return {
      psiCpuMs: (m1.psiCpuUs - this.m0.psiCpuUs) / 1000, psiIoMs: (m1.psiIoUs - this.m0.psiIoUs) / 1000,
      kernelMs: (m1.kernelTicks - this.m0.kernelTicks) * TICK_MS, kthreadMs: (m1.kthreadTicks - this.m0.kthreadTicks) * TICK_MS, busyMs: (m1.busyTicks - this.m0.busyTicks) * TICK_MS, runtimeCpuMs,
      server: next && this.server0 ? serverDelta(this.server0, next) : undefined, next,
    };
  }
}
