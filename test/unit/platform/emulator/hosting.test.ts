/**
 * Utility VMs in the emulator (Hyper-V isolation): the VM document is validated like HCS needs it to boot, hosted
 * systems need a running VM, share its PID namespace (as root), and stop with it; the VM's statistics include
 * what runs inside it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, containerDoc, readAll, until, alive, rejectsWith } from './helpers.js';
import { baseLayer, vmDoc, hostedDoc, startedVm } from './vm-docs.js';
import { isolationFacts } from '../../../../src/platform/emulator/service/isolation.js';
import { cgroupInstanceDir } from '../../../../src/platform/emulator/service/cgroups.js';
import { instanceId } from '../../../../src/platform/emulator/service/instance.js';
import type { ComputeSystemDoc } from '../../../../src/platform/hcs/schema/index.js';

test('utility VM document: boot files must exist; hosted systems need a running VM and the HostedSystem envelope', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const { compute } = env.platform;
  await rejectsWith(compute.createComputeSystem('novm', vmDoc(env, join(env.dir, 'missing', 'UtilityVM'))), 'ERROR_PATH_NOT_FOUND');
  const empty = join(env.dir, 'empty');
  mkdirSync(join(empty, 'UtilityVM', 'Files'), { recursive: true });
  await rejectsWith(compute.createComputeSystem('noboot', vmDoc(env, join(empty, 'UtilityVM'))), 'ERROR_FILE_NOT_FOUND');
  const noMem = vmDoc(env, join(baseLayer(env), 'UtilityVM')) as { VirtualMachine: { ComputeTopology: { Memory: Record<string, unknown> } } };
  noMem.VirtualMachine.ComputeTopology.Memory = {};
  const bad = await rejectsWith(compute.createComputeSystem('nomem', noMem as ComputeSystemDoc), 'HCS_E_INVALID_JSON');
  assert.match(bad.message, /SizeInMB/);

  const vm = await compute.createComputeSystem('pod@vm', vmDoc(env, join(baseLayer(env), 'UtilityVM')));
  await rejectsWith(compute.createComputeSystem('early', hostedDoc('pod@vm')), 'HCS_E_INVALID_STATE');
  await vm.start();
  const ctr = await compute.createComputeSystem('plain', containerDoc());
  await rejectsWith(compute.createComputeSystem('h-in-ctr', hostedDoc('plain')), 'HCS_E_INVALID_JSON');
  await rejectsWith(compute.createComputeSystem('noenvelope', { ...containerDoc(), HostingSystemId: 'pod@vm' }), 'HCS_E_INVALID_JSON');
  ctr.close();
  const props = await vm.getProperties({});
  assert.equal(props.SystemType, 'VirtualMachine');
  await vm.terminate();
  vm.close();
});

test('hosted systems run inside the VM, are accounted to it and stop with it', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const { vm, hosted: [a, b] } = await startedVm(env, 'p1@vm', ['a', 'b']);
  assert.equal((await a.getProperties({})).HostingSystemId, 'p1@vm');
  const pa = await a.createProcess({ CommandLine: 'sh -c "while :; do :; done"' });
  const pb = await b.createProcess({ CommandLine: 'sleep 60' });
  if (isolationFacts().Enabled) {
    // One PID namespace for the VM: a container sees the other container's processes (not the host's).
    const ps = await b.createProcess({ CommandLine: 'sh -c "ps -e -o comm= | sort -u | tr \'\\n\' \' \'"', CreateStdOutPipe: true });
    const seen = await readAll(ps.stdio.stdout);
    assert.match(seen, /sleep/);
    assert.match(seen, /sh/);
    assert.doesNotMatch(seen, /node/, `no host processes: ${seen}`);
  }
  const cg = isolationFacts().Cgroups;
  if (cg) {
    // The container's cgroup nests in the VM's, which carries the VM's memory size.
    const line = readFileSync(`/proc/${pa.pid}/cgroup`, 'utf8').split('\n').find((l) => /(^0::|memory)/.test(l)) ?? '';
    const inst = cgroupInstanceDir(instanceId(join(env.dir, 'state')));
    assert.match(line, new RegExp(`wincri-emulator/${inst}/p1%40vm/a$`), line);
    const vmDir = join(cg.Roots[0]!, inst, 'p1%40vm');
    const limit = readFileSync(join(vmDir, cg.Version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), 'utf8').trim();
    assert.equal(limit, String(512 * 1024 * 1024));
  }
  // The VM's CPU includes the busy loop in container a.
  await until(async () => ((await vm.getProperties({ PropertyTypes: ['Statistics'] })).Statistics?.Processor?.TotalRuntime100ns ?? 0) > 0, 20_000);
  const exitA = pa.waitExit();
  const exitB = pb.waitExit();
  await vm.terminate();
  await exitA;
  await exitB;
  assert.equal((await a.getProperties({})).State, 'Stopped');
  assert.equal((await b.getProperties({})).State, 'Stopped');
  assert.ok(!alive(pa.pid) && !alive(pb.pid));
  for (const s of [a, b, vm]) s.close();
});

test('a graceful VM shutdown shuts its hosted systems down first', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const { vm, hosted: [a] } = await startedVm(env, 'p2@vm', ['g']);
  const p = await a.createProcess({ CommandLine: 'sleep 60' });
  const vmExit = vm.waitExit();
  await vm.shutdown();
  assert.equal((await p.waitExit()).ExitCode, 143, 'SIGTERM reached the hosted process');
  assert.equal((await vmExit).ExitType, 'GracefulExit');
  assert.equal((await a.getProperties({})).State, 'Stopped');
  a.close();
  vm.close();
});
