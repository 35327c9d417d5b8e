/**
 * HostProcess pods and containers end to end over the real daemon socket: the container is a job container on
 * the host (host network, the image at %CONTAINER_SANDBOX_MOUNT_POINT%, volume mounts under it), with logs,
 * ExecSync, stats, stop and exit codes as for any container, live resource updates on the job, mixing rules answered with InvalidArgument, and a
 * daemon kill -9 that the container survives.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { status as Status } from '@grpc/grpc-js';
import { Daemon, call, expectCode, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';
import { cgroupInstanceDir } from '../../src/platform/emulator/service/cgroups.js';
import { cgroupSupport } from '../../src/platform/emulator/service/cgroup-support.js';
import { instanceId } from '../../src/platform/emulator/service/instance.js';

const IMAGE = 'example.com/wincri/hostprocess:1.0';
let d: Daemon;
let imageId = '';

const waitFor = <T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> => d.waitFor(what, fn, ms);

function logText(path: string): string {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ').slice(3).join(' ')).join('\n');
}

const HOST_PROCESS = { securityContext: { hostProcess: true, runAsUsername: 'NT AUTHORITY\\SYSTEM' } };

async function runPod(name: string, hostProcess: boolean) {
  const config = podConfig(name, join(d.logDir, name), hostProcess ? { windows: HOST_PROCESS } : {});
  mkdirSync(config.logDirectory, { recursive: true });
  const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config });
  return { id: podSandboxId as string, config };
}

function createReq(pod: { id: string; config: unknown }, name: string, command: string[], extra: Record<string, unknown> = {}) {
  mkdirSync(join((pod.config as { logDirectory: string }).logDirectory, name), { recursive: true });
  return {
    podSandboxId: pod.id,
    config: { metadata: { name, attempt: 0 }, image: { image: imageId }, command, logPath: `${name}/0.log`, ...extra },
    sandboxConfig: pod.config,
  };
}

async function createHpc(pod: { id: string; config: unknown }, name: string, command: string[], extra: Record<string, unknown> = {}) {
  const { containerId } = await call(d.runtime, 'CreateContainer', createReq(pod, name, command, { windows: HOST_PROCESS, ...extra }));
  return containerId as string;
}

async function exec(id: string, script: string): Promise<{ out: string; code: number }> {
  const r = await call(d.runtime, 'ExecSync', { containerId: id, cmd: ['sh', '-c', script], timeout: 10 });
  return { out: Buffer.from(r.stdout).toString(), code: r.exitCode };
}

let listener: Server;
let port = 0;
const accepted: string[] = [];

before(async () => {
  d = new Daemon('wincri-hpc');
  await d.start();
  const tar = await buildWindowsImage({
    dir: d.dir, names: [IMAGE], format: 'oci',
    layers: [{ 'tools/greeting.txt': 'hello from the hpc image\n' }, { 'tools/version.txt': 'v2\n' }],
    config: { Cmd: ['sh', '-c', 'sleep 1000'], Env: ['FROM_IMAGE=yes'] },
  });
  imageId = d.importImage(tar).split('\t')[0]!.trim();
  listener = createServer((s) => { s.setEncoding('utf8'); s.on('data', (t: string) => accepted.push(t.trim())); s.on('error', () => undefined); });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
  port = (listener.address() as { port: number }).port;
});

after(async () => {
  listener?.close();
  await d?.destroy();
});

test('a HostProcess pod has no pod network and no IP of its own, like containerd host-network pods', async () => {
  const before = d.cniCalls().length;
  const pod = await runPod('hp-net', true);
  const st = await call(d.runtime, 'PodSandboxStatus', { podSandboxId: pod.id, verbose: true });
  assert.equal(st.status.state, 'SANDBOX_READY');
  assert.equal(st.status.network, null);
  assert.equal(d.cniCalls().length, before, 'no CNI call for a HostProcess pod');
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('HostProcess container: host network, mount point with the image, volume under it, logs, ExecSync, stop', async () => {
  const pod = await runPod('hp-main', true);
  const vol = join(d.dir, 'hp-volume');
  mkdirSync(vol, { recursive: true });
  writeFileSync(join(vol, 'token'), 'secret-token\n');
  const id = await createHpc(pod, 'agent', ['sh', '-c',
    `echo "mp=$CONTAINER_SANDBOX_MOUNT_POINT"; echo "img=$FROM_IMAGE"; cat tools/greeting.txt tools/version.txt; cat var/run/secrets/token; `
    + `echo from-hpc | nc -N 127.0.0.1 ${port}; echo connected=$?; exec sleep 1000`], {
    mounts: [{ containerPath: 'C:\\var\\run\\secrets', hostPath: vol, readonly: true }],
  });
  await call(d.runtime, 'StartContainer', { containerId: id });
  const st = await call(d.runtime, 'ContainerStatus', { containerId: id });
  assert.equal(st.status.state, 'CONTAINER_RUNNING');
  const log = st.status.logPath as string;
  const text = await waitFor('the container log', () => { const t = logText(log); return t.includes('connected=') ? t : undefined; });
  assert.match(text, /^mp=C:\\hpc\\$/m);
  assert.match(text, /^img=yes$/m);
  assert.match(text, /hello from the hpc image\nv2/);
  assert.match(text, /^secret-token$/m);
  assert.match(text, /^connected=0$/m, 'the container reached a listener on the host loopback');
  await waitFor('the host listener to receive', () => accepted.includes('from-hpc'));

  // The host's interfaces, seen from inside the container and from the test (same network namespace).
  const ifs = (t: string) => t.split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean).sort();
  const inner = await exec(id, 'cat /proc/net/dev');
  assert.deepEqual(ifs(inner.out), ifs(readFileSync('/proc/net/dev', 'utf8')));

  const e = await exec(id, 'echo "$CONTAINER_SANDBOX_MOUNT_POINT"; ls tools; cat var/run/secrets/token');
  assert.equal(e.code, 0);
  assert.equal(e.out, 'C:\\hpc\\\ngreeting.txt\nversion.txt\nsecret-token\n');
  const failing = await exec(id, 'exit 7');
  assert.equal(failing.code, 7);

  await call(d.runtime, 'StopContainer', { containerId: id, timeout: 5 });
  const stopped = await call(d.runtime, 'ContainerStatus', { containerId: id });
  assert.equal(stopped.status.state, 'CONTAINER_EXITED');
  assert.equal(stopped.status.exitCode, 143, 'sleep ended by the graceful stop (SIGTERM in the emulator)');
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('HostProcess container: exit codes and stats from the job', async () => {
  const pod = await runPod('hp-exit', true);
  const quick = await createHpc(pod, 'quick', ['sh', '-c', 'echo done; exit 3']);
  await call(d.runtime, 'StartContainer', { containerId: quick });
  const ex = await waitFor('exit', async () => {
    const s = await call(d.runtime, 'ContainerStatus', { containerId: quick });
    return s.status.state === 'CONTAINER_EXITED' ? s.status : undefined;
  });
  assert.equal(ex.exitCode, 3);
  assert.equal(ex.reason, 'Error');
  assert.equal(logText(ex.logPath), 'done');

  const burner = await createHpc(pod, 'burner', ['sh', '-c', 'while :; do :; done']);
  await call(d.runtime, 'StartContainer', { containerId: burner });
  const first = await call(d.runtime, 'ContainerStats', { containerId: burner });
  const cpu0 = BigInt(first.stats.cpu.usageCoreNanoSeconds?.value ?? 0);
  const cpu1 = await waitFor('CPU usage to grow', async () => {
    const s = await call(d.runtime, 'ContainerStats', { containerId: burner });
    const v = BigInt(s.stats.cpu.usageCoreNanoSeconds?.value ?? 0);
    return v > cpu0 + 50_000_000n ? v : undefined;
  });
  assert.ok(cpu1 > cpu0);
  await call(d.runtime, 'StopContainer', { containerId: burner, timeout: 0 });
  const killed = await call(d.runtime, 'ContainerStatus', { containerId: burner });
  assert.equal(killed.status.state, 'CONTAINER_EXITED');
  assert.equal(killed.status.exitCode, 137);
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('HostProcess container: resources are updated live on the job, and ContainerStatus reports them', async () => {
  const pod = await runPod('hp-limits', true);
  const MiB = 1024 * 1024;
  const id = await createHpc(pod, 'limited', ['sh', '-c', 'sleep 1000'], { windows: { ...HOST_PROCESS, resources: { memoryLimitInBytes: 128 * MiB } } });
  await call(d.runtime, 'StartContainer', { containerId: id });
  // Where the emulator can write cgroups (root with memory and cpu control), the job's limits are its cgroup's.
  const cg = cgroupSupport();
  const inst = cgroupInstanceDir(instanceId(join(d.root, 'emulator')));
  const cgFile = (i: number, v2: string, v1: string) => join(cg!.roots[cg!.version === 2 ? 0 : i]!, inst, encodeURIComponent(id), cg!.version === 2 ? v2 : v1);
  if (cg) assert.equal(readFileSync(cgFile(0, 'memory.max', 'memory.limit_in_bytes'), 'utf8').trim(), String(128 * MiB));
  await call(d.runtime, 'UpdateContainerResources', { containerId: id, windows: { memoryLimitInBytes: 64 * MiB, cpuMaximum: 5000 } });
  const st = await call(d.runtime, 'ContainerStatus', { containerId: id });
  assert.equal(st.status.state, 'CONTAINER_RUNNING');
  assert.equal(st.status.resources.windows.memoryLimitInBytes, String(64 * MiB));
  assert.equal(st.status.resources.windows.cpuMaximum, '5000');
  if (cg) {
    assert.equal(readFileSync(cgFile(0, 'memory.max', 'memory.limit_in_bytes'), 'utf8').trim(), String(64 * MiB));
    const quota = readFileSync(cgFile(1, 'cpu.max', 'cpu.cfs_quota_us'), 'utf8').trim().split(' ')[0];
    assert.equal(quota, String(Math.round(0.5 * cpus().length * 100000)));
    // An exec'd process of the job is limited too: it runs in the job's cgroup.
    const { out } = await exec(id, 'cat /proc/self/cgroup');
    assert.match(out, new RegExp(`wincri-emulator/${inst}/${id}$`, 'm'));
  }
  await call(d.runtime, 'StopContainer', { containerId: id, timeout: 0 });
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('HostProcess container: a process that left the job\'s process group (setsid) ends with the container', { skip: cgroupSupport() ? false : 'no writable cgroup hierarchy here' }, async () => {
  const pod = await runPod('hp-setsid', true);
  const id = await createHpc(pod, 'daemonizer', ['sh', '-c', 'setsid sleep 4711 & exec sleep 1000']);
  await call(d.runtime, 'StartContainer', { containerId: id });
  const escaped = () => spawnSync('pgrep', ['-f', 'sleep 471[1]'], { encoding: 'utf8' }).stdout.trim();
  await waitFor('the setsid sleep', () => escaped() || undefined);
  await call(d.runtime, 'StopContainer', { containerId: id, timeout: 2 });
  await waitFor('the setsid sleep to end with the job', () => escaped() === '');
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('mixing HostProcess and normal containers in one pod is InvalidArgument', async () => {
  const hp = await runPod('hp-mix', true);
  const plain = await runPod('plain-mix', false);
  const e1 = await expectCode(call(d.runtime, 'CreateContainer', createReq(hp, 'normal', ['sh', '-c', 'true'])), Status.INVALID_ARGUMENT);
  assert.match(e1.details, /host_process/);
  const e2 = await expectCode(call(d.runtime, 'CreateContainer', createReq(plain, 'hpc', ['sh', '-c', 'true'], { windows: HOST_PROCESS })), Status.INVALID_ARGUMENT);
  assert.match(e2.details, /host_process/);
  const e3 = await expectCode(call(d.runtime, 'CreateContainer', createReq(hp, 'cu', ['sh', '-c', 'true'],
    { windows: { securityContext: { hostProcess: true, runAsUsername: 'ContainerUser' } } })), Status.INVALID_ARGUMENT);
  assert.match(e3.details, /ContainerUser/);
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: hp.id });
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: plain.id });
});

test('daemon kill -9: a HostProcess container keeps running; ExecSync and stop work after the restart', async () => {
  const pod = await runPod('hp-survivor', true);
  const id = await createHpc(pod, 'ticker', ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.05; done']);
  await call(d.runtime, 'StartContainer', { containerId: id });
  const log = (await call(d.runtime, 'ContainerStatus', { containerId: id })).status.logPath as string;
  await waitFor('ticks', () => logText(log).split('\n').length > 3);
  await d.kill9();
  const during = logText(log).split('\n').length;
  await waitFor('the log to keep growing while the daemon is down', () => logText(log).split('\n').length > during + 5);
  await d.start();
  const after = await call(d.runtime, 'ContainerStatus', { containerId: id });
  assert.equal(after.status.state, 'CONTAINER_RUNNING');
  const e = await exec(id, 'echo "alive at $CONTAINER_SANDBOX_MOUNT_POINT"');
  assert.equal(e.out, 'alive at C:\\hpc\\\n');
  await call(d.runtime, 'StopContainer', { containerId: id, timeout: 2 });
  const ticks = logText(log).split('\n').map((l) => Number(l.replace('tick-', '')));
  ticks.forEach((n, i) => assert.equal(n, i + 1, 'no tick lost or duplicated across the daemon kill'));
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});
