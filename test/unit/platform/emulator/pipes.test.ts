/**
 * Named pipe mappings in the emulator (service/pipes.ts): a host pipe `\\.\pipe\<name>` is the socket
 * `<state>/pipes/<name>` (escaped: pipe-socket-name.ts); a container with MappedPipes reaches it at `C:\run\pipe\<ContainerPipeName>`, and a
 * container whose host pipe does not exist does not start (ERROR_FILE_NOT_FOUND).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setup, containerDoc, readAll, rejectsWith } from './helpers.js';
import { cgroupInstanceDir } from '../../../../src/platform/emulator/service/cgroups.js';
import { cgroupSupport } from '../../../../src/platform/emulator/service/cgroup-support.js';
import { instanceId } from '../../../../src/platform/emulator/service/instance.js';

test('a mapped pipe: the container connects to the host pipe under its container name', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const dir = join(env.dir, 'state', 'pipes');
  mkdirSync(dir, { recursive: true });
  const server = createServer((sock) => sock.on('data', (b) => sock.end(`pong:${b.toString()}`)));
  await new Promise<void>((r) => server.listen(join(dir, 'wincri-echo'), r));
  t.after(() => server.close());
  const { compute } = env.platform;

  const missing = await compute.createComputeSystem('nopipe', containerDoc({ MappedPipes: [{ ContainerPipeName: 'x', HostPath: '\\\\.\\pipe\\absent' }] }));
  await rejectsWith(missing.start(), 'ERROR_FILE_NOT_FOUND');
  missing.close();
  // Refused before anything was made: no cgroup of it is left behind (was: made, then never removed).
  const sup = cgroupSupport();
  const cgDirs = (sup?.roots ?? []).map((r) => join(r, cgroupInstanceDir(instanceId(join(env.dir, 'state'))), 'nopipe'));
  assert.deepEqual(cgDirs.filter((d) => existsSync(d)), []);

  // The same host pipe in the spellings Windows reads as it (platform/host-path.ts pipeNameOf).
  for (const [i, HostPath] of ['\\\\.\\pipe\\wincri-echo', '\\\\?\\pipe\\wincri-echo', '//./PIPE/x/../wincri-echo'].entries()) {
    const c = await compute.createComputeSystem(`piped${i}`, containerDoc({ MappedPipes: [{ ContainerPipeName: 'echo', HostPath }] }));
    await c.start();
    // Relative to C:\ (the working directory), so the same command runs isolated or not.
    const p = await c.createProcess({ CommandLine: 'sh -c "printf ping | nc -U -N run/pipe/echo"', CreateStdOutPipe: true });
    assert.equal(await readAll(p.stdio.stdout), 'pong:ping', HostPath);
    assert.equal((await p.waitExit()).ExitCode, 0);
    p.close();
    await c.terminate();
    c.close();
  }
});

test('pipes whose names differ only in a separator or `_` are different sockets: the container reaches the one it maps', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const dir = join(env.dir, 'state', 'pipes');
  mkdirSync(dir, { recursive: true });
  // \\.\pipe\NS\echo is the socket ns%5Cecho (pipe-socket-name.ts); \\.\pipe\ns_echo is ns_echo.
  for (const [file, answer] of [['ns%5Cecho', 'nested'], ['ns_echo', 'flat']] as const) {
    const server = createServer((sock) => sock.on('data', () => sock.end(answer)));
    await new Promise<void>((r) => server.listen(join(dir, file), r));
    t.after(() => server.close());
  }
  for (const [i, [HostPath, answer]] of [['\\\\.\\pipe\\NS\\echo', 'nested'], ['\\\\.\\pipe\\ns_echo', 'flat']].entries()) {
    const c = await env.platform.compute.createComputeSystem(`sep${i}`, containerDoc({ MappedPipes: [{ ContainerPipeName: 'echo', HostPath: HostPath! }] }));
    await c.start();
    const p = await c.createProcess({ CommandLine: 'sh -c "printf ping | nc -U -N run/pipe/echo"', CreateStdOutPipe: true });
    assert.equal(await readAll(p.stdio.stdout), answer, HostPath);
    assert.equal((await p.waitExit()).ExitCode, 0);
    p.close();
    await c.terminate();
    c.close();
  }
});
