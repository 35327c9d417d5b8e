/** A decorator around PodNetwork: CNI ADD/DEL/CHECK latency and failures, labelled with the configured plugin chain. */
import type { PodNetwork, PodNetworkRequest } from '../../runtime/ports.js';

/** `ok` false on failure; `plugin` names the plugin chain of the network the call used (e.g. "flannel+portmap"). */
export type CniObserver = (command: 'ADD' | 'DEL' | 'CHECK', plugin: string, seconds: number, ok: boolean) => void;

export function instrumentPodNetwork(n: PodNetwork, plugin: (req: PodNetworkRequest) => Promise<string>, observe: CniObserver): PodNetwork {
  const timed = <R>(command: 'ADD' | 'DEL' | 'CHECK', fn: (a: PodNetworkRequest) => Promise<R>) => async (a: PodNetworkRequest): Promise<R> => {
    let start = performance.now();
    // An ADD started while its namespace is still being created (runtime/pod-attach.ts) is timed from then on.
    void a.namespaceReady?.then(() => { start = Math.max(start, performance.now()); }, () => undefined);
    const report = async (ok: boolean) => observe(command, await plugin(a).catch(() => 'unknown'), (performance.now() - start) / 1000, ok);
    try {
      const r = await fn(a);
      await report(true);
      return r;
    } catch (e) {
      await report(false);
      throw e;
    }
  };
  return {
    status: () => n.status(),
    setUp: timed('ADD', (r) => n.setUp(r)),
    tearDown: timed('DEL', (r) => n.tearDown(r)),
    check: timed('CHECK', (r) => n.check(r)),
    attachedPods: () => n.attachedPods(),
    gc: (ids) => n.gc(ids),
    setPodCidr: (cidr) => n.setPodCidr(cidr),
  };
}
