import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, existsSync, readFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { setup, rejectsWith, readAll, containerDoc } from './helpers.js';

function layerSource(dir: string, files: Record<string, string>, whiteouts?: string[]): string {
  mkdirSync(join(dir, 'Files'), { recursive: true });
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(dir, 'Files', p, '..'), { recursive: true });
    writeFileSync(join(dir, 'Files', p), c);
  }
  if (whiteouts) writeFileSync(join(dir, 'whiteouts.json'), JSON.stringify(whiteouts));
  return dir;
}

test('emulator storage: import, union with whiteouts, volume path, usage, destroy', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const st = env.platform.storage;
  const d = env.dir;
  await rejectsWith(st.importLayer(join(d, 'layers/bad'), layerSource(join(d, 'src/bad0'), {}).replace('bad0', 'nothing'), {}), 'HCS_E_INVALID_LAYER');
  mkdirSync(join(d, 'src/nofiles'), { recursive: true });
  await rejectsWith(st.importLayer(join(d, 'layers/bad'), join(d, 'src/nofiles'), {}), 'HCS_E_INVALID_LAYER');
  await rejectsWith(st.importLayer(join(d, 'layers/bad'), join(d, 'src/nofiles'), { Bogus: 1 } as never), 'HCS_E_INVALID_JSON');

  const base = join(d, 'layers/base');
  await st.importLayer(base, layerSource(join(d, 'src/base'), {
    'Windows/win.ini': 'base', 'app/keep.txt': 'keep', 'app/gone.txt': 'gone', 'old/x.txt': 'x',
    'bin/tool': '#!/bin/sh\necho tool-ran "$@"\n',
  }), {});
  chmodSync(join(base, 'Files/bin/tool'), 0o755);
  const top = join(d, 'layers/top');
  const topLayers = { Layers: [{ Id: '00000000-0000-0000-0000-000000000001', Path: base }] };
  await st.importLayer(top, layerSource(join(d, 'src/top'), { 'app/new.txt': 'new', 'Windows/win.ini': 'top' }, ['app/gone.txt', 'old']), topLayers);
  assert.ok(existsSync(join(top, 'whiteouts.json')));

  const scratch = join(d, 'scratch/c1');
  const ld = { Layers: [{ Id: '00000000-0000-0000-0000-000000000002', Path: top }, { Id: '00000000-0000-0000-0000-000000000001', Path: base }] };
  await rejectsWith(st.initializeWritableLayer(scratch, { Layers: [{ Id: 'x', Path: join(d, 'nope') }] }), 'HCS_E_INVALID_LAYER');
  await st.initializeWritableLayer(scratch, ld);
  await st.attachLayerStorageFilter(scratch, ld);
  const files = join(scratch, 'Files');
  assert.equal(readFileSync(join(files, 'Windows/win.ini'), 'utf8'), 'top');
  assert.equal(readFileSync(join(files, 'app/keep.txt'), 'utf8'), 'keep');
  assert.equal(readFileSync(join(files, 'app/new.txt'), 'utf8'), 'new');
  assert.equal(existsSync(join(files, 'app/gone.txt')), false);
  assert.equal(existsSync(join(files, 'old')), false);

  const vol = await st.getLayerMountPath(scratch);
  assert.match(vol, /^\\\\\?\\Volume\{[0-9a-f-]{36}\}\\$/);
  assert.equal(await st.getLayerMountPath(scratch), vol);

  // The volume is C:\ of a container using it.
  const s = await env.platform.compute.createComputeSystem('st', containerDoc({ Storage: { Path: vol, Layers: ld.Layers } }));
  await s.start();
  const pr = await s.createProcess({ CommandLine: 'C:\\bin\\tool a b', CreateStdOutPipe: true });
  assert.equal(await readAll(pr.stdio.stdout), 'tool-ran a b\n');
  const pr2 = await s.createProcess({ CommandLine: 'tool', Environment: { PATH: 'C:\\bin;C:\\Windows' }, WorkingDirectory: 'C:\\app', CreateStdOutPipe: true });
  assert.equal(await readAll(pr2.stdio.stdout), 'tool-ran\n');
  const pr3 = await s.createProcess({ CommandLine: 'cat win.ini', WorkingDirectory: 'C:\\Windows', CreateStdOutPipe: true });
  assert.equal(await readAll(pr3.stdio.stdout), 'top');
  await s.terminate();

  const usage = await st.layerUsage(base);
  assert.equal(usage.usedBytes, 4 + 4 + 4 + 1 + '#!/bin/sh\necho tool-ran "$@"\n'.length);
  assert.ok(usage.inodesUsed >= 9);

  await st.detachLayerStorageFilter(scratch);
  assert.equal(await st.getLayerMountPath(scratch), scratch);
  await rejectsWith(env.platform.compute.createComputeSystem('st2', containerDoc({ Storage: { Path: vol } })), 'ERROR_NOT_FOUND');
  await st.destroyLayer(scratch);
  await st.destroyLayer(scratch);
  assert.equal(existsSync(scratch), false);
});
