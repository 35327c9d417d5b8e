/**
 * Fault injection of the platform calls around a running container: the stdio attachment of a new process ('attach':
 * the IO keeper's for a StartContainer, the daemon's for an ExecSync), a terminal resize (modifyProcess), the pod's
 * endpoint counters (queryEndpointStats) and a compute system's graceful shutdown (shutdownSystem).
 *  - attach: the RPC answers the mapped code naming the HRESULT and what to do; the process it created is gone (and
 *    for a start, the container's system: EXITED, StartError); the retry succeeds. A hung attach fails the start
 *    with DeadlineExceeded while another pod runs; the late process is undone.
 *  - modifyProcess, queryEndpointStats and shutdownSystem are tolerated by design, and that is what is checked: a
 *    resize that fails or hangs is dropped and the session goes on (the next resize applies); PodSandboxStats leaves
 *    an endpoint whose counters cannot be read out of its `network` part rather than failing (as containerd), also
 *    when the query hangs past its deadline; a graceful StopContainer whose system cannot shut down (no process
 *    handle) terminates it after the grace period; the system of a container whose process exited is terminated
 *    when its shutdown fails.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from '../harness.js';
import { HRESULT } from '../../../src/platform/hresult.js';
import { openRemoteCommand } from '../../helpers/streaming-client-spdy.js';
import { skip, leakAudit, startEnv, stopEnv, failOnce, runPod, continuePod, newPod, removePod, lateAnswers, type Env, type FaultOp, type Pod } from './common.js';
import { HRESULTS, snapshot, expectSnapshot, hangPastDeadline, otherPodGoesOn, stateOf } from './steps.js';

const TIMEOUT_S = 3;
let env: Env;
let n = 0;
let preLeaks = new Set<string>();
before(async () => {
  if (skip) return;
  env = await startEnv('wincri-iostop', `limits:\n  platformCallTimeoutSeconds: ${TIMEOUT_S}\n`);
  preLeaks = new Set(leakAudit(env).keys);
});
after(() => stopEnv(env));

/** Host processes whose command line contains `text` (the emulator runs container processes on the host). */
function processesWith(text: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try { if (readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').join(' ').includes(text)) pids.push(Number(e)); } catch { /* gone */ }
  }
  return pids;
}

/** A container of `pod` running `command` (created and started). */
async function startCtr(pod: Pod, command: string[]): Promise<string> {
  const i = n++;
  const ctr = (await call(env.d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, sandboxConfig: pod.config,
    config: { metadata: { name: `c${i}`, attempt: 0 }, image: { image: env.imageId }, command, logPath: `c${i}.log` },
  })).containerId as string;
  await call(env.d.runtime, 'StartContainer', { containerId: ctr });
  return ctr;
}

/**
 * The emulator builds its terminal helper at the first tty process (a C compile, which may take longer than this
 * file's deadline): a first session starts the build (its process may time out), then the helper is awaited.
 */
async function ptyHelperBuilt(ctr: string): Promise<void> {
  const built = () => { try { return readdirSync(join(env.d.root, 'emulator', 'bin')).some((f) => /^wincri-pty-[0-9a-f]+$/.test(f)); } catch { return false; } };
  if (built()) return;
  const { url } = await call(env.d.runtime, 'Exec', { containerId: ctr, cmd: ['true'], tty: true, stdout: true });
  const s = await openRemoteCommand(url, { stdout: true, tty: true });
  await env.d.waitFor('the emulator\'s terminal helper', built, 120_000);
  s.c.close();
  await s.c.closed;
}

/** The compute system's state in the emulator ('gone' once it has disappeared). */
async function systemState(id: string): Promise<string> {
  return (await env.platform.compute.enumerateComputeSystems({ Ids: [id] }))[0]?.State ?? 'gone';
}

test('attach failing in StartContainer (the IO keeper\'s stdio): mapped code, no system or process left, retry succeeds', { skip }, async () => {
  const op: FaultOp = 'attach';
  const base = await snapshot(env);
  const pod = await continuePod(env, newPod(env, `a${n++}`), ['RunPodSandbox', 'CreateContainer']);
  for (const hr of HRESULTS) {
    const before = await snapshot(env);
    const where: string = `${op} × ${hr} in StartContainer`;
    await failOnce(env.platform, op, hr, () => continuePod(env, pod, ['StartContainer']), where);
    await expectSnapshot(env, before, where);
    assert.equal(await stateOf(env, pod.ctr!), 'CONTAINER_EXITED', where);
    await call(env.d.runtime, 'RemoveContainer', { containerId: pod.ctr });
    await continuePod(env, pod, ['CreateContainer']);
  }
  await continuePod(env, pod, ['StartContainer']);
  assert.equal(await stateOf(env, pod.ctr!), 'CONTAINER_RUNNING', 'attach in StartContainer: the retry runs');
  await removePod(env, pod.id);
  await expectSnapshot(env, base, 'attach in StartContainer: after removal');
});

test('attach failing in ExecSync: mapped code, the exec\'d process is gone, the container runs on, retry succeeds', { skip }, async () => {
  const op: FaultOp = 'attach';
  const pod = await runPod(env, `ae${n++}`);
  for (const [i, hr] of HRESULTS.entries()) {
    const where: string = `${op} × ${hr} in ExecSync`;
    const marker = `sleep 77${10 + i}`;
    await failOnce(env.platform, op, hr, () => call(env.d.runtime, 'ExecSync', { containerId: pod.ctr, cmd: marker.split(' '), timeout: 30 }), where);
    await env.d.waitFor(`${where}: the exec'd process to be gone`, () => processesWith(marker).length === 0, 20_000);
    assert.equal(await stateOf(env, pod.ctr!), 'CONTAINER_RUNNING', where);
    const r = await call(env.d.runtime, 'ExecSync', { containerId: pod.ctr, cmd: ['sh', '-c', 'echo ok'], timeout: 30 });
    assert.equal(Buffer.from(r.stdout).toString(), 'ok\n', `${where}: the retry ran`);
  }
  await removePod(env, pod.id);
});

test('attach hanging in StartContainer: another pod runs meanwhile; DeadlineExceeded; the late process undone; retry succeeds', { skip }, async () => {
  const base = await snapshot(env);
  const pod = await continuePod(env, newPod(env, `ah${n++}`), ['RunPodSandbox', 'CreateContainer']);
  const before = await snapshot(env);
  await hangPastDeadline(env, 'attach', () => continuePod(env, pod, ['StartContainer']), 'attach hanging', TIMEOUT_S, () => otherPodGoesOn(env, `o${n++}`));
  await expectSnapshot(env, before, 'attach hanging: after the late answer');
  assert.equal(await stateOf(env, pod.ctr!), 'CONTAINER_EXITED');
  await call(env.d.runtime, 'RemoveContainer', { containerId: pod.ctr });
  await continuePod(env, pod, ['CreateContainer', 'StartContainer']);
  assert.equal(await stateOf(env, pod.ctr!), 'CONTAINER_RUNNING', 'the retry runs');
  await removePod(env, pod.id);
  await expectSnapshot(env, base, 'attach hanging: after removal');
});

test('modifyProcess failing or hanging in a terminal resize: the resize is dropped, the exec session goes on, the next resize applies', { skip }, async () => {
  const op: FaultOp = 'modifyProcess';
  const pod = await runPod(env, `r${n++}`);
  await ptyHelperBuilt(pod.ctr!);
  const { url } = await call(env.d.runtime, 'Exec', { containerId: pod.ctr, cmd: ['sh', '-c', 'while :; do stty size; read x || exit 4; done'], tty: true, stdin: true, stdout: true });
  const { c, stdin, stdout, resize } = await openRemoteCommand(url, { stdin: true, stdout: true, tty: true });
  const sizes = (): string[] => stdout!.text().match(/\d+ \d+/g) ?? [];
  /** Types lines until the loop prints `rows cols` (each line makes it print the size again). */
  const untilSize = async (rows: number, cols: number) => {
    while (!sizes().includes(`${rows} ${cols}`)) {
      const seen = sizes().length;
      stdin!.write('\n');
      await env.d.waitFor(`the session to answer (waiting for ${rows} ${cols})`, () => sizes().length > seen, 20_000);
    }
  };
  const fired = () => env.d.fullLog().split(`fault fired: ${op} `).length;
  await env.d.waitFor('the first size', () => sizes().length > 0, 20_000);
  for (const [i, hr] of HRESULTS.entries()) {
    const before = fired();
    await env.platform.injectFault(op, HRESULT[hr], 1);
    resize!.write(JSON.stringify({ Width: 60 + i, Height: 20 + i }) + '\n');
    await env.d.waitFor(`the ${op} × ${hr} fault to fire`, () => fired() > before, 20_000);
    resize!.write(JSON.stringify({ Width: 100 + i, Height: 30 + i }) + '\n');
    await untilSize(30 + i, 100 + i);
  }
  // Hung: the session still answers and another pod runs its lifecycle; once let go, the held size applies.
  const before = fired();
  await env.platform.injectFault(op, 0, 1, 120_000);
  try {
    resize!.write(JSON.stringify({ Width: 90, Height: 25 }) + '\n');
    await env.d.waitFor(`the ${op} hang to fire`, () => fired() > before, 20_000);
    const seen = sizes().length;
    stdin!.write('\n');
    await env.d.waitFor('the session to answer while the resize hangs', () => sizes().length > seen, 20_000);
    await otherPodGoesOn(env, `o${n++}`);
  } finally {
    await env.platform.clearFaults(op);
  }
  await untilSize(25, 90);
  resize!.write(JSON.stringify({ Width: 120, Height: 40 }) + '\n');
  await untilSize(40, 120);
  c.close();
  await c.closed;
  await removePod(env, pod.id);
});

test('queryEndpointStats failing or hanging in PodSandboxStats: the stats answer without the endpoint\'s network part; the next include it', { skip }, async () => {
  const op: FaultOp = 'queryEndpointStats';
  const pod = await runPod(env, `s${n++}`);
  const stats = async () => (await call(env.d.runtime, 'PodSandboxStats', { podSandboxId: pod.id })).stats;
  const ok = await stats();
  assert.ok(ok.windows.network?.defaultInterface?.name, `the pod's endpoint counters: ${JSON.stringify(ok.windows.network)}`);
  const warned = () => env.d.fullLog().split('cannot query endpoint statistics').length;
  for (const hr of HRESULTS) {
    const where: string = `${op} × ${hr} in PodSandboxStats`;
    const w = warned();
    await env.platform.injectFault(op, HRESULT[hr], 1);
    const s = await stats();
    await env.platform.clearFaults(op);
    assert.equal(s.windows.network, null, `${where}: the endpoint is left out`);
    assert.ok(s.windows.cpu && s.windows.containers.length === 1, `${where}: the rest is there`);
    assert.ok(warned() > w, `${where}: the daemon logged what it left out`);
    assert.equal((await stats()).windows.network?.defaultInterface?.name, ok.windows.network.defaultInterface.name, `${where}: the next stats have it`);
  }
  // Hung past the deadline: PodSandboxStats answers (bounded), without the network part; another pod runs meanwhile.
  const late = lateAnswers(env.d.fullLog());
  await env.platform.injectFault(op, 0, 1, 120_000);
  try {
    const hung = stats();
    hung.catch(() => undefined); // awaited below; a failure meanwhile must not leave it unhandled
    await otherPodGoesOn(env, `o${n++}`);
    assert.equal((await hung).windows.network, null, 'hung: the endpoint is left out');
  } finally {
    await env.platform.clearFaults(op);
  }
  await env.d.waitFor(`the late answer of ${op}`, () => lateAnswers(env.d.fullLog()) > late, 30_000);
  assert.ok((await stats()).windows.network?.defaultInterface?.name, 'after the hang the stats have the network part');
  await removePod(env, pod.id);
});

test('shutdownSystem failing or hanging in a graceful StopContainer without a process handle: the container is terminated after its grace period', { skip }, async () => {
  const op: FaultOp = 'shutdownSystem';
  const base = await snapshot(env);
  const pod = await continuePod(env, newPod(env, `g${n++}`), ['RunPodSandbox']);
  // The failure is only logged, whatever its HRESULT (the stop goes on to terminate): two classes and a hang.
  for (const hr of ['E_FAIL', 'HCS_E_OPERATION_TIMEOUT', 'hang'] as const) {
    const where: string = `${op} × ${hr} in a graceful StopContainer`;
    const ctr = await startCtr(pod, ['sleep', '600']);
    await env.platform.injectFault('openProcess', HRESULT.E_FAIL, 1); // no process handle: the system is shut down instead
    await env.platform.injectFault(op, hr === 'hang' ? 0 : HRESULT[hr], 1, hr === 'hang' ? 120_000 : undefined);
    try {
      await call(env.d.runtime, 'StopContainer', { containerId: ctr, timeout: 1 });
    } finally {
      await env.platform.clearFaults();
    }
    assert.equal(await stateOf(env, ctr), 'CONTAINER_EXITED', where);
    await env.d.waitFor(`${where}: the system to be stopped`, async () => ['Stopped', 'gone'].includes(await systemState(ctr)), 20_000);
    await call(env.d.runtime, 'RemoveContainer', { containerId: ctr });
  }
  await removePod(env, pod.id);
  await expectSnapshot(env, base, `${op} in StopContainer: after removal`);
});

test('shutdownSystem failing after a container\'s process exited: the exit is recorded and the system is terminated', { skip }, async () => {
  const op: FaultOp = 'shutdownSystem';
  const base = await snapshot(env);
  const pod = await continuePod(env, newPod(env, `x${n++}`), ['RunPodSandbox']);
  for (const hr of HRESULTS) {
    const where: string = `${op} × ${hr} after the process exited`;
    const fired = env.d.fullLog().split(`fault fired: ${op} `).length;
    await env.platform.injectFault(op, HRESULT[hr], 1);
    try {
      const ctr = await startCtr(pod, ['sh', '-c', 'sleep 0.2; exit 3']);
      const st: { exitCode: number } = await env.d.waitFor(`${where}: the exit`, async () => {
        const s = (await call(env.d.runtime, 'ContainerStatus', { containerId: ctr })).status;
        return s.state === 'CONTAINER_EXITED' ? s : undefined;
      }, 20_000);
      assert.equal(st.exitCode, 3, where);
      await env.d.waitFor(`${where}: the system to be stopped`, async () => ['Stopped', 'gone'].includes(await systemState(ctr)), 20_000);
      assert.ok(env.d.fullLog().split(`fault fired: ${op} `).length > fired, `${where}: the shutdown was asked (and failed)`);
      await call(env.d.runtime, 'RemoveContainer', { containerId: ctr });
    } finally {
      await env.platform.clearFaults(op);
    }
  }
  await removePod(env, pod.id);
  await expectSnapshot(env, base, `${op} after exits: after removal`);
});

test('the leak audit finds nothing new after the stdio, resize, stats and shutdown faults', { skip }, () => {
  const a = leakAudit(env);
  assert.deepEqual(a.keys.filter((k) => !preLeaks.has(k)), [], a.out);
});
