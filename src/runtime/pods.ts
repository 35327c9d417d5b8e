/**
 * Pod sandboxes: a pod is an HNS namespace plus its CNI attachment (no pause container: process-isolated
 * containers join the namespace directly) and, for a Hyper-V runtime handler, a utility VM (hyperv/uvm.ts).
 * Every step of RunPodSandbox registers its undo.
 */
import { isAbsolute } from 'node:path';
import { isGone } from '../platform/hresult.js';
import { startsAtRoot } from '../platform/path-syntax.js';
import { logger } from '../util/log.js';
import { invalidArgument, notFound, errorMessage } from '../errors.js';
import { generateId } from './ids.js';
import { sandboxName } from './names.js';
import { type SandboxConfig, type SandboxRecord, nowNs } from './model.js';
import type { RuntimeState } from './state.js';
import { markNamespace } from './namespaces.js';
import { markPodNotReady } from './pod-not-ready.js';
import { stopContainer } from './container-stop.js';
import { removeContainer } from './container-remove.js';
import { podIsolation, stopUtilityVm } from './hyperv/uvm.js';
import { attachPod, networkRequest, type Undo } from './pod-attach.js';
import { settleAll } from '../util/settle.js';

const log = logger('runtime');

function validate(config: SandboxConfig): void {
  const m = config.metadata;
  if (!m.name) throw invalidArgument('config.metadata.name is required');
  if (!m.namespace) throw invalidArgument('config.metadata.namespace is required');
  if (!m.uid) throw invalidArgument('config.metadata.uid is required');
  if (config.logDirectory && !isAbsolute(config.logDirectory) && !startsAtRoot(config.logDirectory)) {
    throw invalidArgument(`config.log_directory "${config.logDirectory}" must be an absolute path`);
  }
}

export async function runPodSandbox(st: RuntimeState, config: SandboxConfig, runtimeHandler: string): Promise<string> {
  validate(config);
  const m = config.metadata;
  const id = generateId();
  const isolation = podIsolation(st, id, runtimeHandler, config); // the handler decides; its VM boots with the first container
  const name = sandboxName(m);
  st.names.reserve(name, id, 'pod sandbox');
  const undo: Undo = [async () => st.names.release(name, id)];
  try {
    const { namespaceId, ips, recorded } = await attachPod(st, id, config, undo);
    const rec: SandboxRecord = {
      id, config, runtimeHandler, createdAt: nowNs(), state: 'SANDBOX_READY', namespaceId, additionalIps: ips.slice(1), ...isolation,
    };
    if (ips[0]) rec.ip = ips[0];
    undo.push(() => st.sandboxes.delete(id));
    // Both on disk before the ID is handed out, written together: a crash between them leaves either the cached
    // result without a pod (recovery's CNI GC deletes it) or a pod whose cache holds the attachment's first record
    // (its DEL runs with that configuration and no prevResult, as for an ADD a crash interrupted). Both settle
    // before a failure's undo runs, so a late write cannot bring back a record the undo removed.
    await settleAll([st.sandboxes.save(rec), recorded]);
    st.index.add(id);
    st.emit(id, 'CONTAINER_CREATED_EVENT', id);
    st.emit(id, 'CONTAINER_STARTED_EVENT', id);
    log.info('pod sandbox ready', { pod: id, name: `${m.namespace}/${m.name}`, attempt: m.attempt, namespace: namespaceId });
    return id;
  } catch (e) {
    for (const u of undo.reverse()) await u().catch((ue) => log.error('rollback step failed', { error: errorMessage(ue) }));
    throw e;
  }
}

/** Whether an HNS namespace exists (a gone one is false; any other failure is thrown). */
async function namespacePresent(st: RuntimeState, namespaceId: string): Promise<boolean> {
  try { await st.opts.platform.network.queryNamespace(namespaceId); return true; } catch (e) { if (isGone(e)) return false; throw e; }
}

/**
 * Marks the pod NOTREADY, stops every container, detaches the network and deletes the namespace; idempotent, and
 * a stop cut short anywhere is finished by the next (pod-not-ready.ts).
 */
export async function stopPodSandbox(st: RuntimeState, idOrPrefix: string): Promise<void> {
  const id = st.index.resolve(idOrPrefix, 'pod sandbox ID');
  if (!id || !st.sandboxes.get(id)) return; // idempotent: unknown pods are already stopped
  // NOTREADY on disk before anything of the pod goes (pod-not-ready.ts); the write overlaps the container stops.
  const marked = st.locks.run(id, () => markPodNotReady(st, id));
  marked.catch(() => undefined); // awaited (and its failure thrown) below, after the container stops
  const inPod = st.containers.list().filter((c) => c.sandboxId === id);
  const { platform, network, stateDir } = st.opts;
  // Whether the namespace is there is asked while the containers stop (only a stop of this pod, under its lock
  // below, deletes it): one platform round trip less after them. A concurrent stop may hold the lock meanwhile and
  // delete the namespace (even when its marker update then fails and the record still names it): the answer is
  // reused only when no deletion was attempted since the probe started (namespaceDeleted), asked again otherwise.
  const probedRec = network ? st.sandboxes.get(id) : undefined;
  const probedNs = probedRec?.namespaceDeleted ? undefined : probedRec?.namespaceId;
  const probe = probedNs ? namespacePresent(st, probedNs) : undefined;
  probe?.catch(() => undefined); // awaited below unless the namespace went meanwhile
  // Every stop runs to its end before the first failure (as thrown, with its gRPC code) fails the RPC: none is left
  // in flight behind an error the kubelet retries at once.
  const stops = await Promise.allSettled(inPod.map((c) => stopContainer(st, c.id, 0)));
  const failed = stops.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  // The RPC answers, failed or not, only once the pod is NOTREADY on disk; that write failing is the error (the
  // pod is still READY: the kubelet retries), a container's stop failing as well is logged.
  try {
    await marked;
  } catch (e) {
    if (failed) log.warn('a container of the pod failed to stop', { pod: id, error: errorMessage(failed.reason) });
    throw e;
  }
  if (failed) throw failed.reason;
  await st.locks.run(id, async () => {
    const s = st.sandboxes.get(id);
    if (!s) return;
    let changed = false; // what the record says now differs from disk: written at the end
    await stopUtilityVm(st, s);
    if (s.namespaceId && network) {
      // DEL before the namespace goes; CNI_NETNS is empty when the namespace is already gone.
      const fresh = probe && s === probedRec && s.namespaceId === probedNs && !s.namespaceDeleted;
      const present = await (fresh ? probe : namespacePresent(st, s.namespaceId));
      await network.tearDown(networkRequest(s.id, s.config, present ? s.namespaceId : ''));
    }
    if (s.namespaceId) {
      s.namespaceDeleted = true; // before the call: a deletion that fails may still have happened
      try {
        await platform.network.deleteNamespace(s.namespaceId);
      } catch (e) {
        if (!isGone(e)) throw e;
      }
      await markNamespace(stateDir, s.namespaceId, false);
      s.namespaceId = undefined;
      s.namespaceDeleted = undefined;
      changed = true;
    }
    if (s.ip !== undefined || s.additionalIps.length > 0) {
      s.ip = undefined;
      s.additionalIps = [];
      changed = true;
    }
    if (changed) {
      await st.sandboxes.save(s);
      // Again (the first came with NOTREADY: pod-not-ready.ts), now that its IPs and namespace are gone.
      st.emit(id, 'CONTAINER_STOPPED_EVENT', id);
      log.info('pod sandbox stopped', { pod: id });
    }
  });
}

export async function removePodSandbox(st: RuntimeState, idOrPrefix: string): Promise<void> {
  const id = st.index.resolve(idOrPrefix, 'pod sandbox ID');
  if (!id || !st.sandboxes.get(id)) return;
  await stopPodSandbox(st, id);
  for (const c of st.containers.list().filter((x) => x.sandboxId === id)) await removeContainer(st, c.id);
  await st.locks.run(id, async () => {
    const s = st.sandboxes.get(id);
    if (!s) return;
    await st.sandboxes.delete(id);
    st.index.delete(id);
    st.names.release(sandboxName(s.config.metadata), id);
    st.emit(id, 'CONTAINER_DELETED_EVENT', id);
    log.info('pod sandbox removed', { pod: id });
  });
}

export function getSandbox(st: RuntimeState, idOrPrefix: string): SandboxRecord {
  const id = st.index.mustResolve(idOrPrefix, 'pod sandbox');
  const s = st.sandboxes.get(id);
  if (!s) throw notFound(`pod sandbox "${idOrPrefix}" not found`);
  return s;
}
