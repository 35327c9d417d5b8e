/**
 * Reconciles records with the platform after a (re)start: containers that kept running stay running (their
 * stdio is held by the IO keeper, which kept logging); exits that happened while the daemon was down are
 * applied; compute systems and namespaces that no record owns are reported and removed.
 */
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';
import { OWNER, type RuntimeState } from './state.js';
import { handleExit, markExited } from './exits.js';
import { destroySystem } from './systems.js';
import { ownedNamespaces } from './namespaces.js';
import { kindOf } from './backend.js';
import { recoverUtilityVms } from './hyperv/uvm.js';
import { isPodVm } from './hyperv/pod-vm.js';
import { removeOrphanedCredentialGuards } from './credential-guard.js';
import { settleInterruptedStart } from './interrupted-start.js';
import { markHalfStoppedPods } from './half-stopped.js';
import { recoverUnended } from './unended-recovery.js';

const log = logger('runtime');

export async function recover(st: RuntimeState): Promise<void> {
  const { platform, keeper } = st.opts;
  const attached = new Map((await keeper.list()).map((a) => [a.containerId, a]));
  // Compute systems and job containers (HostProcess) alike; each record knows its kind (backend.ts).
  const kinds = [['compute', platform.compute], ['job', platform.jobs]] as const;
  const systems = (await Promise.all(kinds.map(async ([kind, service]) =>
    (await service.enumerateComputeSystems({ Owners: [OWNER] })).map((props) => ({ props, kind, service })))))
    .flat();
  const systemIds = new Set(systems.filter((s) => {
    const c = s.props.Id ? st.containers.get(s.props.Id) : undefined;
    return !c || kindOf(c) === s.kind;
  }).map((s) => s.props.Id).filter((x): x is string => !!x));

  // Starts a crash interrupted first: a container adopted from the keeper is RUNNING for all that follows.
  for (const c of st.containers.list()) {
    if (c.state === 'CONTAINER_CREATED') await settleInterruptedStart(st, c, attached.get(c.id), systemIds.has(c.id));
  }
  // Systems a stop could not end before the restart: ended now, or their mark cleared when they are gone.
  await recoverUnended(st, systemIds);
  // Before the containers: those of a VM that died meanwhile exited with it (reason UtilityVMExited).
  await recoverUtilityVms(st, new Map(systems.filter((s) => s.kind === 'compute' && s.props.Id).map((s) => [s.props.Id!, s.props])));
  for (const c of st.containers.list()) {
    const a = attached.get(c.id);
    if (c.state !== 'CONTAINER_RUNNING') continue;
    if (a?.exited) {
      const { exitCode, exitedAt, shutdownAsked, shutdownUnconfirmed, oomKilled } = a.exited;
      await handleExit(st, { containerId: c.id, pid: a.pid, exitCode, exitedAt, shutdownAsked, shutdownUnconfirmed, oomKilled });
    } else if (!a || !systemIds.has(c.id)) {
      log.warn('container lost while the runtime was down; marking it exited', { container: c.id, keeper: !!a, system: systemIds.has(c.id) });
      await markExited(st, c, 255, 'Unknown', 'container state was lost while the runtime was not running');
    } else {
      log.info('container kept running across restart', { container: c.id, pid: a.pid });
    }
  }
  for (const { props, kind, service } of systems) {
    if (props.Id && !st.containers.get(props.Id) && !isPodVm(st, props.Id)) {
      log.warn('removing orphaned compute system (no container record)', { system: props.Id, kind });
      await destroySystem(service, props.Id);
    }
  }
  for (const [id] of attached) {
    if (!st.containers.get(id)) {
      log.warn('keeper holds an unknown container; forgetting it', { container: id });
      await keeper.forget(id).catch(() => undefined);
    }
  }
  await recoverNamespaces(st);
  await removeOrphanedCredentialGuards(platform.compute, st.opts.stateDir, (id) => !!st.containers.get(id));
  st.ready = true;
}

/**
 * READY pods with a step of their stop already done become NOTREADY (half-stopped.ts); namespaces this runtime
 * created without a pod are deleted.
 */
async function recoverNamespaces(st: RuntimeState): Promise<void> {
  const { platform, network } = st.opts;
  const namespaces = await platform.network.enumerateNamespaces();
  await markHalfStoppedPods(st, namespaces);
  const owned = new Set(st.sandboxes.list().map((s) => s.namespaceId?.toLowerCase()).filter((x): x is string => !!x));
  if (network) {
    // CNI attachments of pods that no longer exist: DEL from the result cache, then CNI GC (1.1). Not awaited:
    // it execs plugins (hundreds of ms) and pods do not depend on it; the network layer makes pod network
    // set-up and tear-down wait for it, so its list of valid pods stays true.
    network.gc(st.sandboxes.list().map((s) => s.id))
      .catch((e) => log.error('CNI garbage collection failed', { error: errorMessage(e) }));
  }
  const mine = await ownedNamespaces(st.opts.stateDir);
  for (const n of namespaces) {
    const id = n.ID?.toLowerCase();
    if (id && mine.has(id) && !owned.has(id)) {
      log.warn('removing orphaned network namespace', { namespace: id });
      await platform.network.deleteNamespace(id).catch(() => undefined);
    }
  }
}
