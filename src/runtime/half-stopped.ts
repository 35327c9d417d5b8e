/**
 * Recovery's look at the pods recorded SANDBOX_READY. Today StopPodSandbox writes NOTREADY before it tears anything
 * down (pod-not-ready.ts); an older wincri wrote it only at the end, so a stop it was killed in the middle of left a
 * record READY with part of the pod gone. The pod is NOTREADY (written crash-safely; kubelet then stops and
 * recreates it, and the stop finishes the teardown) when the platform shows a step of the stop already done:
 * - its HNS namespace is gone (the namespace deletion ran);
 * - it got addresses from CNI, but its attachment record is gone from the CNI cache and its namespace holds no
 *   endpoint (CNI DEL ran): RunPodSandbox writes the pod only beside that record, after ADD attached the endpoint;
 *   only a DEL drops the record (GC drops those of unknown pods only), and only a DEL takes the endpoint away.
 *   Both must say so: a record gone while an endpoint is still in the namespace (or names it) takes no pod down.
 *   Nor does a plugin that hands out addresses without an HNS endpoint (test stand-ins) unless its record is
 *   positively gone: a cache directory that is missing or cannot be read says nothing (one warning; those pods
 *   stay READY);
 * - it is Hyper-V isolated and has containers but no utility VM (the stop removed it): the VM boots before the
 *   pod's first container is recorded, and an exit of the VM marks the pod NOTREADY itself (hyperv/vm-exit.ts).
 * There is no pause container whose loss could tell more. A pod whose evidence cannot be read stays READY.
 */
import type { HostComputeNamespaceDoc } from '../platform/hcn/schema/index.js';
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';
import type { SandboxRecord } from './model.js';
import type { RuntimeState } from './state.js';

const log = logger('runtime');

/** Marks NOTREADY every READY pod with a step of its stop done; `namespaces` is the platform's enumeration. */
export async function markHalfStoppedPods(st: RuntimeState, namespaces: readonly HostComputeNamespaceDoc[]): Promise<void> {
  const byId = new Map(namespaces.filter((n) => n.ID).map((n) => [n.ID!.toLowerCase(), n]));
  const holders = endpointHolders(st);
  const attached = attachedPods(st);
  for (const s of st.sandboxes.list()) {
    if (s.state !== 'SANDBOX_READY') continue;
    const why = await stopStepDone(st, s, byId, { holders, attached });
    if (!why) continue;
    log.warn(`${why}; pod is NOTREADY`, { pod: s.id, namespace: s.namespaceId, vm: s.utilityVm?.id });
    s.state = 'SANDBOX_NOTREADY';
    // namespaceId stays: StopPodSandbox still runs CNI DEL (with an empty netns when the namespace is gone) and
    // deletes what is left.
    await st.sandboxes.save(s);
  }
}

/** Asked once, only when a pod needs it; undefined when unknown. */
type Lazy<T> = () => Promise<T | undefined>;

async function stopStepDone(
  st: RuntimeState, s: SandboxRecord, namespaces: ReadonlyMap<string, HostComputeNamespaceDoc>,
  ask: { holders: Lazy<Set<string>>; attached: Lazy<Set<string>> },
): Promise<string | undefined> {
  if (s.namespaceId) {
    const id = s.namespaceId.toLowerCase();
    const ns = namespaces.get(id);
    if (!ns) return 'pod network namespace vanished';
    if ((s.ip !== undefined || s.additionalIps.length > 0) && !endpointIdsOf(ns).length) {
      // The namespace's resource list is what HNS reports; an endpoint naming the namespace counts as well.
      const attached = await ask.attached();
      const held = attached && !attached.has(s.id) ? await ask.holders() : undefined;
      if (held && !held.has(id)) return 'pod network was torn down (CNI DEL ran: no attachment record, no endpoint in its namespace)';
    }
  }
  const vm = s.utilityVm;
  if (s.isolation === 'hyperv' && vm && !vm.created && st.containers.list().some((c) => c.sandboxId === s.id)) {
    return 'pod utility VM was removed though the pod has containers';
  }
  return undefined;
}

const endpointIdsOf = (ns: HostComputeNamespaceDoc): string[] =>
  (ns.Resources ?? []).filter((r) => r.Type === 'Endpoint').map((r) => (r.Data as { ID?: string } | undefined)?.ID).filter((x): x is string => !!x);

/** Warns that a listing is unknown (`why`); the pods it would have judged stay READY. */
function unknown(why: string, error?: unknown): undefined {
  log.warn(`${why}; pods whose namespace shows no endpoint stay READY`, error === undefined ? {} : { error: errorMessage(error) });
  return undefined;
}

/** `list` asked once, on first use, its answer turned by `shape`; a throw or rejection is a failed listing (`what` failed). */
function askOnce<R, T>(what: string, list: () => R | Promise<R>, shape: (r: R) => T | undefined): Lazy<T> {
  let asked: Promise<T | undefined> | undefined;
  // Promise.resolve().then: a stand-in (or binding) that throws synchronously is a failed listing too.
  return () => asked ??= Promise.resolve().then(list).then(shape, (e: unknown) => unknown(`${what} failed`, e));
}

/** The namespaces (lower case) some endpoint says it is in. */
function endpointHolders(st: RuntimeState): Lazy<Set<string>> {
  return askOnce('listing HNS endpoints', () => st.opts.platform.network.enumerateEndpoints(),
    (eps) => new Set(eps.map((e) => e.HostComputeNamespace?.toLowerCase()).filter((x): x is string => !!x)));
}

/**
 * The pods with a CNI attachment record; undefined without pod networking, and (with one warning) when the
 * records cannot be read or their directory is missing.
 */
function attachedPods(st: RuntimeState): Lazy<Set<string>> {
  const { network } = st.opts;
  if (!network) return () => Promise.resolve(undefined);
  return askOnce('reading the CNI attachment records', () => network.attachedPods(),
    (ids) => ids ? new Set(ids) : unknown('the CNI attachment records\' directory is missing'));
}
