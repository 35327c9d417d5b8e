/**
 * Host pipe sockets named as before pipe-socket-name.ts (separators as `_`, case kept) still serve after an upgrade
 * when the socket of the current name is absent (pipe-socket-legacy.ts), with one warning per name, but never
 * one that is the current name of another pipe; container-side pipe names are kept as written; `.`, `..` and an
 * empty name are no container pipe names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existingHostPipeSocket, hostPipeSocket, pipeMappings, setHostPipeDir } from '../../../src/platform/emulator/service/pipes.js';
import { checkDevicesAndPipes } from '../../../src/platform/emulator/service/documents.js';
import { mapMounts, DocumentError } from '../../../src/platform/hcs/document/index.js';
import { isPlatformError } from '../../../src/platform/hresult.js';

test('an old-named host pipe socket serves when the new one is absent, warned once; the new one wins when present', (t) => {
  const state = mkdtempSync(join(tmpdir(), 'wincri-pipes-old-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const warnings: string[] = [];
  setHostPipeDir(state, (m) => warnings.push(m));
  t.after(() => setHostPipeDir('/nonexistent'));
  mkdirSync(join(state, 'pipes'));
  const pipe = '\\\\.\\pipe\\Agent\\One';
  const old = join(state, 'pipes', 'Agent_One');
  writeFileSync(old, '');
  assert.equal(existingHostPipeSocket(pipe), old);
  assert.equal(existingHostPipeSocket(pipe), old);
  assert.equal(warnings.length, 1, 'one warning per name');
  assert.match(warnings[0]!, /Agent_One.*restart the program serving the pipe/);
  const [m] = pipeMappings('HcsCreateComputeSystem', { MappedPipes: [{ ContainerPipeName: 'Agent', HostPath: pipe }] });
  assert.equal(m!.HostPath, old, 'a container maps the old-named socket');

  const current = hostPipeSocket(pipe)!;
  assert.notEqual(current, old);
  writeFileSync(current, '');
  assert.equal(existingHostPipeSocket(pipe), current, 'the current name wins once present');
  assert.equal(existingHostPipeSocket('\\\\.\\pipe\\absent'), hostPipeSocket('\\\\.\\pipe\\absent'), 'neither there: the current name');

  // `\\.\pipe\dir\x` was `dir_x` before; today `dir_x` is the socket of the other pipe `\\.\pipe\dir_x`: no stand-in.
  const other = hostPipeSocket('\\\\.\\pipe\\dir_x')!;
  writeFileSync(other, '');
  assert.equal(existingHostPipeSocket('\\\\.\\pipe\\dir\\x'), hostPipeSocket('\\\\.\\pipe\\dir\\x'), 'another pipe\'s socket is not an old name');
});

test('container pipe names are kept as written (a program in the container opens /run/pipe/<name> as spelled)', (t) => {
  const state = mkdtempSync(join(tmpdir(), 'wincri-pipes-case-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  setHostPipeDir(state);
  t.after(() => setHostPipeDir('/nonexistent'));
  mkdirSync(join(state, 'pipes'));
  writeFileSync(hostPipeSocket('\\\\.\\pipe\\docker_engine')!, '');
  const maps = pipeMappings('HcsCreateComputeSystem', { MappedPipes: [{ ContainerPipeName: 'Docker_Engine', HostPath: '\\\\.\\pipe\\Docker_Engine' }] });
  assert.equal(maps[0]!.ContainerPath, 'C:\\run\\pipe\\Docker_Engine');
});

test('`.`, `..` and an empty name are no container pipe names: the document builder and the emulator refuse them', () => {
  for (const name of ['.', '..']) {
    assert.throws(() => mapMounts([{ source: '\\\\.\\pipe\\x', destination: `\\\\?\\pipe\\${name}`, options: [] } as never]),
      (e) => e instanceof DocumentError && /not a pipe name/.test(e.message), name);
    assert.throws(() => checkDevicesAndPipes('HcsCreateComputeSystem', { MappedPipes: [{ ContainerPipeName: name, HostPath: '\\\\.\\pipe\\x' }] }, 'Container'),
      (e) => isPlatformError(e, 'HCS_E_INVALID_JSON'), name);
  }
  // An empty name is no pipe at all (host-path.ts pipeNameOf): the mount is a pipe onto a non-pipe.
  assert.throws(() => mapMounts([{ source: '\\\\.\\pipe\\x', destination: '\\\\.\\pipe\\', options: [] } as never]),
    (e) => e instanceof DocumentError && /mounts only onto a named pipe/.test(e.message));
});
