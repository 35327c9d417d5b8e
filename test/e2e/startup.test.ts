/**
 * End to end, issue 8 §2: a client that connects the moment the CRI socket exists (critest does) is served the
 * ImageService at once — on a fresh root, and while a restarted daemon is still recovering its containers (held
 * in recovery by an emulator fault that delays the compute-system enumeration recovery starts with).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { Daemon, call, expectCode, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';
import { createEmulatorPlatform } from '../../src/platform/emulator/index.js';

const IMAGE = 'example.com/wincri/startup:1';
const daemons: Daemon[] = [];
after(async () => { for (const d of daemons) await d.destroy(); });

/** `${inode}:${ctime}` of the socket file, or undefined (inode numbers are reused, change times are not). */
function socketId(d: Daemon): string | undefined {
  try { const s = statSync(d.socket, { bigint: true }); return `${s.ino}:${s.ctimeNs}`; } catch { return undefined; }
}

/** Spawns the daemon and resolves the moment a new socket file exists. */
async function spawnAndWaitForSocket(d: Daemon): Promise<void> {
  const old = socketId(d);
  d.spawn();
  for (let id = socketId(d); id === undefined || id === old; id = socketId(d)) {
    if (d.proc!.exitCode !== null) throw new Error(`daemon exited with ${d.proc!.exitCode}:\n${d.log()}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** The three image RPCs critest and kubelet issue first; every one must succeed (never UNAVAILABLE). */
async function imageRpcs(d: Daemon, imageId?: string): Promise<void> {
  const st = await call(d.image, 'ImageStatus', { image: { image: imageId ?? IMAGE } });
  assert.equal(st.image?.id ?? '', imageId ?? '');
  const list = await call(d.image, 'ListImages', {});
  assert.deepEqual(list.images.map((i: { id: string }) => i.id), imageId ? [imageId] : []);
  const fs = await call(d.image, 'ImageFsInfo', {});
  assert.ok(fs.imageFilesystems[0].fsId.mountpoint);
}

async function waitReady(d: Daemon): Promise<void> {
  for (;;) {
    try { await call(d.runtime, 'ListContainers', {}); return; } catch (e) {
      if ((e as { code?: number }).code !== Status.UNAVAILABLE) throw e;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('fresh root: image RPCs issued the moment the socket exists all succeed', async () => {
  const d = new Daemon('wincri-startup-fresh');
  daemons.push(d);
  await spawnAndWaitForSocket(d);
  await imageRpcs(d);
  await waitReady(d);
});

test('restart with a running container: image RPCs are served while recovery is still under way', async () => {
  const d = new Daemon('wincri-startup-restart');
  daemons.push(d);
  await d.start();
  const tar = await buildWindowsImage({ dir: d.dir, names: [IMAGE], format: 'oci', layers: [{ 'app/a.txt': 'a' }], config: { Cmd: ['sh'] } });
  const imageId = d.importImage(tar).split('\t')[0]!.trim();
  const config = podConfig('startup', join(d.logDir, 'startup'));
  mkdirSync(config.logDirectory, { recursive: true });
  const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config });
  const { containerId } = await call(d.runtime, 'CreateContainer', {
    podSandboxId, sandboxConfig: config, config: { metadata: { name: 'c' }, image: { image: imageId }, command: ['sleep', '3600'], logPath: 'c.log' },
  });
  await call(d.runtime, 'StartContainer', { containerId });
  await d.stop();

  // Hold the next recovery: the compute-system enumeration it starts with waits 60 s (hresult 0 = delay only).
  const platform = await createEmulatorPlatform({ stateDir: join(d.root, 'emulator'), spawnService: false });
  await platform.injectFault('enumerateSystems', 0, 1, 60_000);
  await platform.close();

  await spawnAndWaitForSocket(d);
  await imageRpcs(d, imageId);
  // The runtime really is still recovering (the RuntimeService says so), and Status answers too.
  await expectCode(call(d.runtime, 'ListContainers', {}), Status.UNAVAILABLE);
  const st = await call(d.runtime, 'Status', {});
  assert.equal(st.status.conditions.find((c: { type: string }) => c.type === 'RuntimeReady').status, false);
  // Not waiting out the fault: this daemon goes, and a new one recovers the container as usual.
  await d.kill9();
  const platform2 = await createEmulatorPlatform({ stateDir: join(d.root, 'emulator'), spawnService: false });
  await platform2.clearFaults('enumerateSystems');
  await platform2.close();
  await spawnAndWaitForSocket(d);
  await imageRpcs(d, imageId);
  await waitReady(d);
  assert.equal((await call(d.runtime, 'ContainerStatus', { containerId })).status.state, 'CONTAINER_RUNNING');
});
