/**
 * The IO keeper's listening socket (src/container-io/keeper-socket.ts) on a named pipe, in every spelling Windows
 * reads as one (platform/host-path.ts isNamedPipe): no directory made for it, no mode set, nothing unlinked. On
 * Linux the listen itself then binds a Unix socket of that odd name (relative spellings, in a temp directory) or
 * fails for the missing /pipe directory (the `//` ones): either way the file system calls are what is checked.
 * A Unix socket path, for contrast, gets its directory and mode 0600.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:net';
import { listenKeeperSocket, type SocketFs } from '../../../src/container-io/keeper-socket.js';
import type { Logger } from '../../../src/util/log.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/** The file system calls listenKeeperSocket made for `path` (recorded, not made: a `//./pipe` one must not create /pipe). */
async function fsCalls(path: string): Promise<string[]> {
  const calls: string[] = [];
  const record = (name: string) => ((p: string) => { calls.push(`${name} ${p}`); return Promise.resolve(undefined); }) as never;
  const fs: SocketFs = { mkdir: record('mkdir'), unlink: record('unlink'), chmod: record('chmod') };
  let server: Server | undefined;
  try {
    server = await listenKeeperSocket(path, (s) => s.destroy(), quiet, fs);
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).syscall, 'listen', `${path}: only the listen may fail here (${String(e)})`);
  } finally {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  }
  return calls;
}

test('a named pipe in any spelling: no directory, no mode, nothing unlinked', async () => {
  const cwd = process.cwd();
  const dir = mkdtempSync(join(tmpdir(), 'wincri-keeper-socket-'));
  process.chdir(dir); // the relative spellings bind a socket of that name here
  try {
    for (const p of ['\\\\.\\pipe\\wincri-keeper', '\\\\.\\PIPE\\wincri-keeper', '\\\\?\\pipe\\wincri-keeper', '//./pipe/wincri-keeper', '//?/pipe/wincri-keeper', '\\\\.\\pipe/wincri-keeper']) {
      assert.deepEqual(await fsCalls(p), [], p);
    }
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a Unix socket path gets its directory and mode 0600', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-keeper-socket-'));
  try {
    const path = join(dir, 'io', 'keeper.sock');
    mkdirSync(join(dir, 'io'));
    assert.deepEqual(await fsCalls(path), [`mkdir ${join(dir, 'io')}`, `chmod ${path}`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
