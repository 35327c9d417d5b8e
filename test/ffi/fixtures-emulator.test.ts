/**
 * The core reviewed fixtures (fixtures.test.ts checks them against the schemas and the builders) fed to the
 * emulator, which must accept them as HCS would: the HostProcess job document runs a process at its mount point
 * with its environment and mounts; the utility VM boots; the container document hosted in it runs inside the VM;
 * the process-isolated container document starts. Host paths of this machine stand in for the Windows ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { ComputeSystemDoc } from '../../src/platform/hcs/schema/index.js';
import type { JobContainerDoc } from '../../src/platform/jobs/schema.js';
import { createEmulatorPlatform, type EmulatorPlatform } from '../../src/platform/emulator/index.js';
import { stopEmulatorService } from '../../src/platform/emulator/service-stop.js';
import { readAll } from '../helpers/platform.js';
import { loadFixture } from '../helpers/fixtures.js';

async function emulator(t: TestContext): Promise<{ dir: string; p: EmulatorPlatform }> {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-fixtures-emu-'));
  const stateDir = join(dir, 'state');
  const p = await createEmulatorPlatform({ stateDir });
  t.after(async () => { await p.close(); await stopEmulatorService(stateDir, { removingStateDir: true }); rmSync(dir, { recursive: true, force: true }); });
  return { dir, p };
}

/** A container document on this machine: its mapped directories on folders under `dir`, no volume, no namespace. */
function localContainer(dir: string, c: NonNullable<ComputeSystemDoc['Container']>): void {
  delete c.Storage;
  delete c.Networking;
  for (const [i, md] of (c.MappedDirectories ?? []).entries()) {
    md.HostPath = join(dir, `host${i}`);
    mkdirSync(md.HostPath, { recursive: true });
    writeFileSync(join(md.HostPath, 'seen.txt'), `mapping ${i}\n`);
  }
}

/** The host pipe `\\.\pipe\<name>` of the emulator (a socket under its state directory), answering `pipe-ok`. */
async function hostPipe(t: TestContext, dir: string, name: string): Promise<void> {
  const pipes = join(dir, 'state', 'pipes');
  mkdirSync(pipes, { recursive: true });
  const server = createServer((s) => s.end('pipe-ok'));
  await new Promise<void>((r) => server.listen(join(pipes, name), r));
  t.after(() => server.close());
}

test('fixture job-hostprocess.json: the emulator runs it at its mount point with its environment and mounts', async (t) => {
  const { dir, p } = await emulator(t);
  const src = join(dir, 'layer-src');
  mkdirSync(join(src, 'Files'), { recursive: true });
  writeFileSync(join(src, 'Files', 'calico-node.txt'), 'from the image\n');
  const layer = join(dir, 'layer');
  await p.storage.importLayer(layer, src, {});
  const scratch = join(dir, 'scratch');
  const data = { Layers: [{ Id: '6b3f1c2e-7d4a-5e8f-9a0b-1c2d3e4f5a6b', Path: layer }] };
  await p.storage.initializeWritableLayer(scratch, data);
  await p.storage.attachLayerStorageFilter(scratch, data);
  const doc = loadFixture<JobContainerDoc>('job-hostprocess.json');
  doc.RootVolume = await p.storage.getLayerMountPath(scratch);
  for (const [i, m] of (doc.Mounts ?? []).entries()) {
    m.HostPath = join(dir, `mount${i}`);
    mkdirSync(m.HostPath);
    writeFileSync(join(m.HostPath, 'token'), `mount ${i}\n`);
  }
  const job = await p.jobs.createComputeSystem('hpc', doc);
  t.after(() => job.close());
  await job.start();
  const desc = await p.describeJob('hpc');
  assert.deepEqual(desc.document.User, doc.User, 'the local group and its temporary user are recorded');
  assert.deepEqual(desc.document.Limits, doc.Limits);
  const pr = await job.createProcess({
    CommandLine: 'sh -c "echo $CONTAINER_SANDBOX_MOUNT_POINT; cat calico-node.txt var/run/secrets/kubernetes.io/serviceaccount/token"',
    CreateStdOutPipe: true,
  });
  assert.equal(await readAll(pr.stdio.stdout), 'C:\\hpc\\\nfrom the image\nmount 0\n');
  assert.equal((await pr.waitExit()).ExitCode, 0);
  pr.close();
  await job.terminate();
});

test('fixtures utility-vm.json and container-hyperv-hosted.json: the VM boots and hosts the container; container-process-isolated.json starts', async (t) => {
  const { dir, p } = await emulator(t);
  const vmDoc = loadFixture<ComputeSystemDoc>('utility-vm.json');
  const devices = vmDoc.VirtualMachine!.Devices!;
  const os = join(dir, 'UtilityVM', 'Files');
  mkdirSync(join(os, 'EFI', 'Microsoft', 'Boot'), { recursive: true });
  writeFileSync(join(os, 'EFI', 'Microsoft', 'Boot', 'bootmgfw.efi'), 'efi');
  devices.VirtualSmb!.Shares![0]!.Path = os;
  for (const ctl of Object.values(devices.Scsi ?? {})) {
    for (const a of Object.values(ctl.Attachments ?? {})) { a.Path = join(dir, 'sandbox.vhdx'); writeFileSync(a.Path, ''); }
  }
  const hosted = loadFixture<ComputeSystemDoc>('container-hyperv-hosted.json');
  const vmId = hosted.HostingSystemId!;
  const vm = await p.compute.createComputeSystem(vmId, vmDoc);
  t.after(() => vm.close());
  await vm.start();
  assert.equal((await vm.getProperties({})).State, 'Running');

  await hostPipe(t, dir, 'docker_engine');
  localContainer(join(dir, 'hosted'), hosted.HostedSystem!.Container!);
  const h = await p.compute.createComputeSystem('hosted', hosted);
  t.after(() => h.close());
  await h.start();
  const [props] = await p.compute.enumerateComputeSystems({ Ids: ['hosted'] });
  assert.equal(props?.HostingSystemId, vmId);
  const ls = await h.createProcess({ CommandLine: 'sh -c "cat config/seen.txt; printf x | nc -U -N run/pipe/docker_engine"', CreateStdOutPipe: true });
  assert.equal(await readAll(ls.stdio.stdout), 'mapping 1\npipe-ok');
  ls.close();

  const plain = loadFixture<ComputeSystemDoc>('container-process-isolated.json');
  localContainer(join(dir, 'plain'), plain.Container!);
  const c = await p.compute.createComputeSystem('plain', plain);
  t.after(() => c.close());
  await c.start();
  assert.equal((await c.getProperties({})).State, 'Running');
  await c.terminate();
  await vm.terminate();
  assert.equal((await h.getProperties({})).State, 'Stopped', 'the hosted container stops with its VM');
});
