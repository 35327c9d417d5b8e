/**
 * Fault injection of port-forward's dial into the pod (the emulator's namespace lookup, 'namespaceNetns', under
 * dialInNamespace): failing with each HRESULT of the CI subset, the forwarded connection's error stream names the
 * port, the pod and the HRESULT, the session stays up, and the next connection reaches the pod. Hung, the dial
 * fails after limits.platformCallTimeoutSeconds saying so, and the connection the call makes late is closed again
 * (no relay into the pod is left); the next connection reaches the pod.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { call } from '../harness.js';
import { HRESULT, type HResultName } from '../../../src/platform/hresult.js';
import { SpdyTestClient } from '../../helpers/streaming-client-spdy.js';
import { skip, startEnv, stopEnv, continuePod, newPod, removePod, lateAnswers, releaseHang, type Env, type Pod } from './common.js';

const TIMEOUT_S = 3;
// relays() finds the relays by this port among all host processes: no other test file forwards to it.
const PORT = 18089;
const HRESULTS: HResultName[] = ['E_FAIL', 'HCS_E_SERVICE_NOT_AVAILABLE', 'E_ACCESSDENIED', 'HCS_E_OPERATION_TIMEOUT'];
let env: Env;
let pod: Pod;
let c: SpdyTestClient;
let req = 0;

before(async () => {
  if (skip) return;
  env = await startEnv('wincri-pffaults', `limits:\n  platformCallTimeoutSeconds: ${TIMEOUT_S}\n`);
  pod = await continuePod(env, newPod(env, 'pf'), ['RunPodSandbox']);
  const server = (await call(env.d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, sandboxConfig: pod.config,
    config: { metadata: { name: 'web', attempt: 0 }, image: { image: env.imageId }, logPath: 'web.log',
      command: ['node', '-e', `require('net').createServer((s)=>s.end('pong-from-pod\\n')).listen(${PORT})`] },
  })).containerId;
  await call(env.d.runtime, 'StartContainer', { containerId: server });
  const { url } = await call(env.d.runtime, 'PortForward', { podSandboxId: pod.id, port: [] });
  c = await SpdyTestClient.connect(url, ['portforward.k8s.io']) as SpdyTestClient;
  for (let i = 0; i < 100 && (await forward()).reply !== 'pong-from-pod\n'; i++) await new Promise((r) => setTimeout(r, 100));
});
after(async () => {
  c?.close();
  if (pod?.id) await removePod(env, pod.id).catch(() => undefined);
  await stopEnv(env);
});

/** One forwarded connection: what the pod answered, and what the error stream says. */
async function forward(): Promise<{ reply: string; error: string }> {
  const id = String(req++);
  const error = await c.open({ streamtype: ['error'], port: [String(PORT)], requestid: [id] }, true);
  const data = await c.open({ streamtype: ['data'], port: [String(PORT)], requestid: [id] });
  await Promise.race([data.done, error.done.then(() => data.done)]);
  await error.done;
  return { reply: data.text(), error: error.text() };
}

/** Relays into the pod's network namespace the daemon runs (one per open forwarded connection). */
function relays(): number {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    let cmd = '';
    try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
    // `ip netns exec <ns> node -e <relay> <port>` (the dial, src/platform/emulator/dial.ts), before or after its exec.
    if (cmd.includes('\0-e\0') && cmd.endsWith(`\0${PORT}\0`)) n++;
  }
  return n;
}

test('the dial into the pod failing: the error stream names the port, the pod and the HRESULT; the next connection gets through', { skip }, async () => {
  for (const hr of HRESULTS) {
    await env.platform.injectFault('namespaceNetns', HRESULT[hr], 1);
    const r = await forward();
    await env.platform.clearFaults('namespaceNetns');
    assert.equal(r.reply, '', `${hr}: data went through a failed dial`);
    assert.match(r.error, new RegExp(`port-forward to port ${PORT} of pod pf .*${hr}`), `${hr}: ${r.error}`);
    // what to check for this dial (is something listening in the pod, is its namespace there) and to retry; not the
    // platform-wide advice for the HRESULT (vmcompute, the Windows service), which is about the host, not the pod
    assert.match(r.error, new RegExp(`\\(.*check that a process listens on port ${PORT} inside the pod and that the pod's network namespace is still there`), `${hr}: ${r.error}`);
    assert.match(r.error, /open the connection again/, `${hr}: ${r.error}`);
    assert.doesNotMatch(r.error, /vmcompute|wincri service|administrator|Windows/, `${hr}: ${r.error}`);
    const again = await forward();
    assert.equal(again.reply, 'pong-from-pod\n', `${hr}: the retry: ${again.error}`);
  }
});

test('the dial into the pod hanging: fails after the platform call deadline; the late connection is closed; the next gets through', { skip }, async () => {
  const lateBefore = lateAnswers(env.d.fullLog());
  await env.platform.injectFault('namespaceNetns', 0, 1, (TIMEOUT_S + 3) * 1000);
  const r = await forward();
  await releaseHang(env, 'namespaceNetns');
  assert.equal(r.reply, '');
  assert.match(r.error, /HCS_E_OPERATION_TIMEOUT/, r.error);
  assert.match(r.error, new RegExp(`within ${TIMEOUT_S}s \\(limits\\.platformCallTimeoutSeconds\\)`), r.error);
  await env.d.waitFor('the late answer of the dial', () => lateAnswers(env.d.fullLog()) > lateBefore, 30_000);
  await env.d.waitFor('the late relay closed', () => relays() === 0, 30_000);
  const again = await forward();
  assert.equal(again.reply, 'pong-from-pod\n', `the retry: ${again.error}`);
  await env.d.waitFor('the relays closed', () => relays() === 0, 30_000);
});
