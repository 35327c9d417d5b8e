/**
 * Without root the emulator cannot isolate: it keeps the old behaviour (containers are host processes sharing the
 * host's process table and file system) and says so in Status (`crictl info`: the EmulatorIsolation condition).
 * The daemon, and so the IO keeper and the emulator service it spawns, run as `nobody` here (setpriv).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, call, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';

const NOBODY = 65534;
const skip = process.getuid?.() !== 0 ? 'needs root to start the daemon as nobody'
  : spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status !== 0 ? 'needs setpriv (util-linux)' : false;
let d: Daemon;

function chownTree(p: string): void {
  chownSync(p, NOBODY, NOBODY);
  if (statSync(p).isDirectory()) for (const e of readdirSync(p)) chownTree(join(p, e));
}

before(async () => {
  if (skip) return;
  d = new Daemon('wincri-nonroot', { launcher: ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'] });
  chownTree(d.dir);
  await d.start();
});

after(async () => { await d?.destroy(); });

test('not root: Status says containers are not isolated, and why', { skip }, async () => {
  const st = await call(d.runtime, 'Status', { verbose: true });
  const c = st.status.conditions.find((x: { type: string }) => x.type === 'EmulatorIsolation');
  assert.ok(c, 'the EmulatorIsolation condition is reported');
  assert.equal(c.status, false);
  assert.equal(c.reason, 'NotIsolated');
  assert.match(c.message, /not running as root: containers share the host's processes and file system/);
  const ready = st.status.conditions.find((x: { type: string }) => x.type === 'RuntimeReady');
  assert.equal(ready.status, true, 'the runtime still works');
});

test('not root: a container runs as a host process, sees host processes and reaches host paths (the old behaviour)', { skip }, async () => {
  const tar = await buildWindowsImage({ dir: d.dir, names: ['example.com/wincri/nonroot:1.0'], format: 'oci', layers: [{ 'app/a.txt': 'a\n' }], config: { Cmd: ['sleep', '600'] } });
  chownTree(d.dir);
  const imageId = d.importImage(tar).split('\t')[0]!.trim();
  const config = podConfig('nonroot', join(d.logDir, 'nonroot'));
  mkdirSync(config.logDirectory, { recursive: true });
  chownTree(d.logDir);
  const pod = (await call(d.runtime, 'RunPodSandbox', { config })).podSandboxId as string;
  const hostFile = join(d.dir, 'host-only.txt');
  writeFileSync(hostFile, 'on the host\n');
  const host = spawn('sleep', ['4343'], { stdio: 'ignore' });
  try {
    const { containerId } = await call(d.runtime, 'CreateContainer', {
      podSandboxId: pod, sandboxConfig: config,
      config: { metadata: { name: 'plain', attempt: 0 }, image: { image: imageId }, command: ['sleep', '600'], logPath: 'plain.log' },
    });
    await call(d.runtime, 'StartContainer', { containerId });
    const r = await call(d.runtime, 'ExecSync', { containerId, cmd: ['sh', '-c', `pgrep -f "sleep 434[3]"; cat ${hostFile}; id -u`], timeout: 20 });
    assert.equal(r.exitCode, 0, Buffer.from(r.stderr).toString());
    assert.equal(Buffer.from(r.stdout).toString(), `${host.pid}\non the host\n${NOBODY}\n`);
  } finally {
    host.kill('SIGKILL');
    await call(d.runtime, 'StopPodSandbox', { podSandboxId: pod });
    await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod });
  }
});
