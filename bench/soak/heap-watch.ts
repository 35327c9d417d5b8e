/**
 * The soak's look into one process's JS heap (`--heap-of daemon|keeper|emulator`): process.memoryUsage() at every
 * tick through the inspector (inspect.ts), and heap snapshots once the run passes given minutes (`--snapshots
 * 3,20`), written as <dir>/<name>-<minute>min.heapsnapshot for heap-diff.ts. A snapshot is serialized in the
 * process's C heap: a busy emulator service kept ~30 MiB more RSS after one until its next idle trim, so runs that
 * take snapshots compare objects, not memory slopes.
 */
import { join } from 'node:path';
import { Inspected } from './inspect.js';
import type { HeapKiB } from './sample.js';

export class HeapWatch {
  private taken = new Set<number>();
  readonly snapshots: string[] = [];
  private constructor(private readonly ins: Inspected, private readonly name: string, private readonly at: number[], private readonly dir: string) {}

  static async open(pid: number, name: string, at: number[], dir: string): Promise<HeapWatch> {
    return new HeapWatch(await Inspected.open(pid), name, at, dir);
  }

  /** The heap figures now; a snapshot first when `minutes` passed one of the snapshot times. */
  async tick(minutes: number): Promise<HeapKiB> {
    for (const m of this.at) {
      if (minutes < m || this.taken.has(m)) continue;
      this.taken.add(m);
      this.snapshots.push(await this.ins.snapshot(join(this.dir, `${this.name}-${m}min.heapsnapshot`)));
    }
    const h = await this.ins.heap();
    return { heapUsedKiB: h.heapUsed / 1024, heapTotalKiB: h.heapTotal / 1024, externalKiB: h.external / 1024, arrayBuffersKiB: h.arrayBuffers / 1024 };
  }

  close(): Promise<void> { return this.ins.close(); }
}
