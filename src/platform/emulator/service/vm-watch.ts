/**
 * A utility VM that dies on its own. On Windows the VM's worker process (vmwp.exe) can crash or the guest can
 * triple-fault; HCS then stops the VM with ExitType UnexpectedExit, its hosted containers end with it, and every
 * handle's callback gets SystemExited at once. The emulator's stand-in for the VM's process is its namespace
 * holder (PID 1 of the VM's PID namespace, isolation.ts): when it dies without a stop request, every process of
 * the hosted systems dies with it, and the VM must be reported stopped before any of those processes' exits is
 * (so a client asking about the VM on a hosted exit sees why). Without isolation a VM has no process to lose.
 */
import { readStat, PF_EXITING } from './procfs.js';
import type { SystemRecord } from './records.js';

const POLL_MS = 100;

/** Whether the VM is running but its process is gone (and no stop of it is under way). */
export function vmProcessLost(vm: SystemRecord | undefined): boolean {
  if (!vm?.document.VirtualMachine || !vm.holder || vm.shuttingDown) return false;
  if (vm.state !== 'Running' && vm.state !== 'Paused') return false;
  // Exiting counts as dead: PID 1 is still exiting while the kernel kills the rest of its namespace, whose
  // exits the service may see first.
  const st = readStat(vm.holder.pid);
  return !st || st.starttime !== vm.holder.startTicks || st.state === 'Z' || st.state === 'X' || (st.flags & PF_EXITING) !== 0;
}

/** Polls a running VM's process; `lost` runs once when it dies. Returns the cancel function. */
function watchVmProcess(vm: SystemRecord, lost: () => void): () => void {
  const t = setInterval(() => {
    if (vm.state === 'Stopped') { clearInterval(t); return; }
    if (vmProcessLost(vm)) { clearInterval(t); lost(); }
  }, POLL_MS);
  t.unref();
  return () => clearInterval(t);
}

/** The compute emulator's VMs whose process is watched, and the stops of VMs whose process died. */
export class VmDeaths {
  private watches = new Map<string, () => void>();
  private deaths = new Map<string, Promise<void>>();

  constructor(
    private readonly lookup: (id: string) => SystemRecord | undefined,
    private readonly stop: (vm: SystemRecord) => Promise<void>,
    private readonly log: (msg: string) => void,
  ) {}

  /** Starts watching a running VM's process (no-op for other systems or a VM without one). */
  watch(s: SystemRecord): void {
    if (!s.document.VirtualMachine || !s.holder || s.state === 'Stopped' || this.watches.has(s.id)) return;
    this.watches.set(s.id, watchVmProcess(s, () => void this.lost(s)));
  }

  /** The system stopped: no more watching. */
  unwatch(id: string): void {
    this.watches.get(id)?.();
    this.watches.delete(id);
  }

  /** The VM's process died: it stops (UnexpectedExit), its hosted systems first; one stop however often asked. */
  lost(vm: SystemRecord): Promise<void> {
    let p = this.deaths.get(vm.id);
    if (!p) {
      this.log(`utility VM ${vm.id}: its process died; stopping it (UnexpectedExit)`);
      p = this.stop(vm).finally(() => this.deaths.delete(vm.id));
      this.deaths.set(vm.id, p);
    }
    return p;
  }

  /** Settles once the hosting VM of `s` is stopped if its process died (a hosted exit is reported after that). */
  hostingSettled(s: SystemRecord): Promise<void> {
    const vm = s.document.HostingSystemId ? this.lookup(s.document.HostingSystemId) : undefined;
    if (vm && (this.deaths.has(vm.id) || vmProcessLost(vm))) return this.lost(vm).catch(() => undefined);
    return Promise.resolve();
  }
}
