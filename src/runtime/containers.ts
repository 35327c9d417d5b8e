/**
 * CreateContainer and StartContainer. A container is an HCS compute system (a job container for HostProcess
 * containers, see backend.ts) on a writable layer over the image layers; its init process is started through the
 * IO keeper, which owns its stdio and CRI log.
 */
import { join } from 'node:path';
import type { ComputeSystem } from '../platform/types.js';
import { buildProcessParameters, layerId } from '../platform/hcs/document/index.js';
import { logger } from '../util/log.js';
import { invalidArgument, failedPrecondition, errorMessage } from '../errors.js';
import { generateId } from './ids.js';
import { containerName } from './names.js';
import { type ContainerConfig, nowNs } from './model.js';
import { buildContainerSpec, prepareMountSources } from './spec.js';
import type { RuntimeState, StoredContainer } from './state.js';
import { getSandbox } from './pods.js';
import { handleExit } from './exits.js';
import { endFailedStart } from './systems.js';
import { backendOf, claimHostedShares, containerDocument, kindOf, scratchMountedOnHost } from './backend.js';
import { releaseContainerShares } from './hyperv/uvm-vsmb.js';
import { detachContainerScratch } from './hyperv/uvm-scsi.js';
import { uncombineContainerLayers } from './hyperv/uvm-combine.js';
import { containerLogFile, prepareLogFile } from './log-path.js';
import { admitImage } from './hyperv/admit.js';
import { reopenCredentialGuardService } from './credential-guard.js';
import { containerCredentialGuard } from './container-guard.js';
import { settleAll } from '../util/settle.js';

const log = logger('runtime');

export async function createContainer(st: RuntimeState, sandboxIdOrPrefix: string, config: ContainerConfig): Promise<string> {
  if (!config.metadata.name) throw invalidArgument('config.metadata.name is required');
  if (!config.image.image) throw invalidArgument('config.image.image is required');
  if (!sandboxIdOrPrefix) throw invalidArgument('pod_sandbox_id is required');
  const pod = getSandbox(st, sandboxIdOrPrefix);
  if (pod.state !== 'SANDBOX_READY') throw failedPrecondition(`pod sandbox ${pod.id} is not ready (${pod.state})`);
  const { platform, images } = st.opts;
  const image = await images.resolveForContainer(config.image.image);
  await admitImage(st, pod, image); // OS build rule; a Hyper-V pod's utility VM boots with its first container
  const logFile = containerLogFile(pod.config.logDirectory, config.logPath);
  const mounts = await prepareMountSources(config);
  const id = generateId();
  const spec = buildContainerSpec(id, config, image, pod, mounts);
  const name = containerName(config.metadata, pod.config.metadata);
  st.names.reserve(name, id, 'container');
  const undo: (() => Promise<unknown>)[] = [async () => st.names.release(name, id)];
  try {
    await images.acquire(image.id, id);
    undo.push(() => images.release(id));
    const scratchPath = join(st.opts.scratchDir, id);
    const layerData = { SchemaVersion: { Major: 2, Minor: 1 }, Layers: image.layerPaths.map((p) => ({ Id: layerId(p), Path: p })) };
    undo.push(() => platform.storage.destroyLayer(scratchPath));
    await platform.storage.initializeWritableLayer(scratchPath, layerData);
    // CRI rootfs_size_in_bytes: the scratch grows before the filter is attached (containerd: ExpandSandboxSize).
    const sandboxSize = spec.windows.resources?.storage?.sandboxSize;
    if (sandboxSize) await platform.storage.expandWritableLayer(scratchPath, sandboxSize);
    // Hyper-V: the scratch's VHDX goes to the utility VM (below), which cannot share it with a host mount; the
    // record keeps the scratch folder as its storage path (the document names the guest mount instead), and a
    // working directory the image lacks is not made (as with hcsshim: its process fails with ERROR_DIRECTORY).
    let storagePath = scratchPath;
    // Where the platform allows, its record of the attachment is written beside the container's record (below).
    let layerRecorded: Promise<void> | undefined;
    let cwdMade: Promise<void> | undefined;
    if (scratchMountedOnHost({ spec, storagePath, scratchPath })) {
      await platform.storage.attachLayerStorageFilter(scratchPath, layerData, { recordLater: true });
      undo.push(() => platform.storage.detachLayerStorageFilter(scratchPath));
      layerRecorded = platform.storage.layerRecorded?.(scratchPath);
      layerRecorded?.catch(() => undefined); // awaited below; a step failing before must not leave it unhandled
      storagePath = await platform.storage.getLayerMountPath(scratchPath);
      // A working directory the image lacks is created in the writable layer (Linux runtimes do; HCS would fail the
      // process with ERROR_DIRECTORY). HostProcess containers run on the host's filesystem: not here. The record
      // does not describe it, so it is made while the record is written (both done before the reply).
      if (!spec.windows.hostProcess) {
        (cwdMade = platform.storage.createContainerDirectory(storagePath, spec.process.cwd)).catch(() => undefined);
        undo.push(async () => cwdMade!.catch(() => undefined)); // settled before the layer is detached
      }
    }
    const layers = layerData.Layers.map((l) => ({ id: l.Id, path: l.Path }));
    const credentialGuard = await containerCredentialGuard(st, pod.id, id, spec, undo); // gMSA (removed with the container)
    // Hyper-V: the layers and mounted folders are shared into the utility VM, the scratch attached and the layers
    // combined on it in the guest (undone in the reverse order).
    undo.push(() => releaseContainerShares(st, pod.id, id));
    undo.push(() => detachContainerScratch(st, pod.id, id));
    undo.push(() => uncombineContainerLayers(st, pod.id, id));
    await claimHostedShares(st, id, { spec, storagePath, scratchPath, layers, credentialGuard });
    // Build the document now so a bad config fails CreateContainer; the compute system itself is created
    // at start (as containerd creates its task), so resource updates before start just rebuild it.
    containerDocument(st, id, { spec, storagePath, layers, credentialGuard });
    const rec: StoredContainer = {
      id, sandboxId: pod.id, config, spec,
      imageId: image.id,
      imageName: image.repoTags[0] ?? image.id,
      imageRef: image.repoDigests[0] ?? image.id,
      createdAt: nowNs(), startedAt: '0', finishedAt: '0',
      state: 'CONTAINER_CREATED', exitCode: 0, reason: '', message: '',
      scratchPath, storagePath, layers, logFile, resources: config.windows.resources, credentialGuard,
    };
    undo.push(() => st.containers.delete(id));
    // Both records durable (the platform's attachment and the container's) and the working directory made before
    // the id is handed out; all settled before a failure's undo runs.
    await settleAll([cwdMade, st.containers.save(rec), layerRecorded]);
    st.index.add(id);
    st.emit(id, 'CONTAINER_CREATED_EVENT', pod.id);
    log.info('container created', { container: id, name: config.metadata.name, pod: pod.id, image: image.id });
    return id;
  } catch (e) {
    for (const u of undo.reverse()) await u().catch((ue) => log.error('rollback step failed', { error: errorMessage(ue) }));
    throw e;
  }
}

export async function startContainer(st: RuntimeState, idOrPrefix: string): Promise<void> {
  const id = st.index.mustResolve(idOrPrefix, 'container');
  const { keeper } = st.opts;
  await st.locks.run(id, async () => {
    const c = st.mustContainer(id);
    if (c.state !== 'CONTAINER_CREATED') throw failedPrecondition(`container ${id} is in ${c.state} state; only a created container can be started`);
    const pod = st.sandboxes.get(c.sandboxId);
    if (!pod || pod.state !== 'SANDBOX_READY') throw failedPrecondition(`pod sandbox ${c.sandboxId} of container ${id} is not ready`);
    // Before anything starts: a log directory that cannot be made leaves the container startable once fixed.
    if (c.logFile) await prepareLogFile(pod.config.logDirectory, c.logFile);
    let system: ComputeSystem | undefined;
    try {
      await claimHostedShares(st, id, c); // a no-op unless the pod's VM was booted anew since CreateContainer
      if (c.credentialGuard?.Transport === 'HvSocket') await reopenCredentialGuardService(st.opts.platform.compute, st.opts.stateDir, id);
      system = await backendOf(st, c).createComputeSystem(id, containerDocument(st, id, c));
      await system.start();
      const params = buildProcessParameters(c.spec.process, { stdin: c.config.stdin, stdout: true, stderr: !c.config.tty });
      const { pid } = await keeper.start({
        containerId: id, systemId: id, backend: kindOf(c), process: params, logPath: c.logFile, maxLineSize: st.opts.maxLogLineSize,
        stdinOnce: c.config.stdinOnce, tty: c.config.tty,
      });
      c.state = 'CONTAINER_RUNNING';
      c.pid = pid;
      c.startedAt = nowNs();
    } catch (e) {
      system?.close();
      system = undefined;
      // The system (and every process in it) goes before the record says EXITED (systems.ts endFailedStart).
      await endFailedStart(backendOf(st, c), id);
      c.state = 'CONTAINER_EXITED';
      c.exitCode = 128;
      c.reason = 'StartError';
      c.message = errorMessage(e);
      c.finishedAt = nowNs();
      await st.containers.save(c);
      throw e;
    } finally {
      system?.close();
    }
    // The RUNNING record is written (crash-safely) while the reply goes out: the IO keeper has recorded the
    // process already, so a crash before this write lands leaves a CREATED record whose process the keeper holds,
    // which recovery adopts as RUNNING (interrupted-start.ts). Later writes of the record queue behind this one.
    st.containers.save(c).catch((e) => log.error('recording a started container failed; recovery would adopt it from the IO keeper', { container: id, error: errorMessage(e) }));
    st.emit(id, 'CONTAINER_STARTED_EVENT', c.sandboxId);
    log.info('container started', { container: id, pid: c.pid });
    const early = st.earlyExits.get(id);
    if (early) {
      st.earlyExits.delete(id);
      setImmediate(() => void handleExit(st, early).catch((e) => log.error('applying an early exit failed', { container: id, error: errorMessage(e) })));
    }
  });
}
