/**
 * recordLater on the emulator (createProcess, attachLayerStorageFilter): the call answers before the service's
 * record is written; ComputeProcess.recorded / StorageService.layerRecorded resolve once it is on disk, and refuse a
 * process or layer the service does not know.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, containerDoc, rejectsWith } from './helpers.js';

const recordedPids = (dir: string): number[] => {
  const systems = JSON.parse(readFileSync(join(dir, 'state', 'records', 'systems.json'), 'utf8')) as { processes: { pid: number }[] }[];
  return systems.flatMap((s) => s.processes.map((p) => p.pid));
};

test('emulator compute: recordLater — recorded() resolves once the process is in the service\'s records', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('rl', containerDoc());
  t.after(() => s.close());
  await s.start();
  const p = await s.createProcess({ CommandLine: 'sleep 30', CreateStdOutPipe: true, CreateStdErrPipe: true }, { ackedOutput: true, recordLater: true });
  assert.ok(p.recorded, 'the emulator offers recorded()');
  await p.recorded!();
  assert.ok(recordedPids(env.dir).includes(p.pid), 'the process is on disk once recorded() resolved');
  await p.recorded!(); // asked again (already durable): resolves
  // Without recordLater the record is on disk when createProcess returns; recorded() resolves at once.
  const q = await s.createProcess({ CommandLine: 'sleep 30' });
  assert.ok(recordedPids(env.dir).includes(q.pid));
  await q.recorded!();
  // A pid the service does not know is refused as by HcsOpenProcess.
  const { EmulatorClient } = await import('../../../../src/platform/emulator/client.js');
  const raw = new EmulatorClient({ stateDir: join(env.dir, 'state'), spawnService: false });
  t.after(() => raw.close());
  await rejectsWith(raw.request('processRecorded', { id: 'rl', pid: 1 }), 'ERROR_NOT_FOUND');
  await s.terminate();
});

test('emulator storage: recordLater — layerRecorded() resolves once the volume is in the service\'s records', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const st = env.platform.storage;
  const base = join(env.dir, 'base');
  mkdirSync(join(base, 'Files', 'app'), { recursive: true });
  writeFileSync(join(base, 'Files', 'app', 'a.txt'), 'a');
  const layerData = { SchemaVersion: { Major: 2, Minor: 1 }, Layers: [{ Id: 'b', Path: base }] };
  const scratch = join(env.dir, 'scratch');
  await st.initializeWritableLayer(scratch, layerData);
  await rejectsWith(st.layerRecorded!(scratch), 'ERROR_NOT_FOUND'); // nothing attached yet
  await st.attachLayerStorageFilter(scratch, layerData, { recordLater: true });
  await st.layerRecorded!(scratch);
  const volumes = JSON.parse(readFileSync(join(env.dir, 'state', 'records', 'volumes.json'), 'utf8')) as { layerPath: string }[];
  assert.deepEqual(volumes.map((v) => v.layerPath), [scratch]);
  assert.equal(readFileSync(join(scratch, 'Files', 'app', 'a.txt'), 'utf8'), 'a');
  await st.detachLayerStorageFilter(scratch);
  await rejectsWith(st.layerRecorded!(scratch), 'ERROR_NOT_FOUND');
});
