/**
 * Shared setup of the fault-injection e2e tests: a daemon on the emulator with wincri's nat network (so HNS
 * endpoints and namespaces are real emulator objects), an image, a second emulator client to arm faults and to
 * count what is left behind, and a pod/container lifecycle driver.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { Daemon, CLI, call, podConfig } from '../harness.js';
import { buildWindowsImage } from '../../helpers/image-builder.js';
import { rootNetworkingSkipReason, freeSubnet } from '../../helpers/netns.js';
import { createEmulatorPlatform, type EmulatorPlatform } from '../../../src/platform/emulator/index.js';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { HRESULT, type HResultName } from '../../../src/platform/hresult.js';
import { HRESULT_STATUS } from '../../../src/cri/errors.js';
import { HRESULT_ADVICE, PLATFORM_RETRY_ADVICE } from '../../../src/platform/hresult-advice.js';
import type { FaultOp } from '../../../src/platform/emulator/service/fault-ops.js';

const CNI_BIN = fileURLToPath(new URL('../../../../cni/bin', import.meta.url));
export const skip = rootNetworkingSkipReason() || (existsSync(join(CNI_BIN, 'nat')) ? false : `the CNI plugin ${CNI_BIN}/nat is missing`);

export interface Env { d: Daemon; platform: EmulatorPlatform; imageId: string }

export async function startEnv(name: string, extraConfig = ''): Promise<Env> {
  const sub = freeSubnet();
  const d = new Daemon(name, {
    cniBinDirs: [CNI_BIN],
    network: { file: '10-nat.conflist', conf: { cniVersion: '1.0.0', name, plugins: [{ type: 'nat', subnet: sub.prefix, gateway: sub.gateway }] } },
  });
  if (extraConfig) appendFileSync(d.configFile, extraConfig);
  await d.start();
  const tar = await buildWindowsImage({ dir: d.dir, file: 'img.tar', names: [`example.com/${name}:1`], format: 'oci', layers: [{ 'app/x.txt': 'x' }], config: { Cmd: ['sleep', '600'] } });
  const imageId = d.importImage(tar).split('\t')[0]!.trim();
  const platform = await createEmulatorPlatform({ stateDir: join(d.root, 'emulator') });
  return { d, platform, imageId };
}

export async function stopEnv(env: Env | undefined): Promise<void> {
  if (!env) return;
  await env.platform.clearFaults().catch(() => undefined);
  await env.platform.close().catch(() => undefined);
  if (process.env.WINCRI_KEEP_FAILED) { await env.d.stop(); console.log(`kept ${env.d.dir}`); return; }
  await env.d.destroy();
}

/** Everything on the platform and on disk that a pod or container owns. */
export async function objects(env: Env): Promise<{ systems: string[]; namespaces: string[]; endpoints: string[]; scratch: string[] }> {
  const p = env.platform;
  const scratchDir = join(env.d.root, 'containers');
  return {
    systems: (await p.compute.enumerateComputeSystems()).map((s) => s.Id!).sort(),
    namespaces: (await p.network.enumerateNamespaces()).map((n) => n.ID!).sort(),
    endpoints: (await p.network.enumerateEndpoints()).map((e) => e.ID!).sort(),
    scratch: existsSync(scratchDir) ? readdirSync(scratchDir).sort() : [],
  };
}

export interface Pod { id: string; config: ReturnType<typeof podConfig>; ctr?: string }

/** RunPodSandbox → CreateContainer → StartContainer; each step's promise is returned to the caller in order. */
export type Step = 'RunPodSandbox' | 'CreateContainer' | 'StartContainer';
export function newPod(env: Env, name: string): Pod {
  const config = podConfig(name, join(env.d.logDir, name));
  mkdirSync(config.logDirectory, { recursive: true });
  return { id: '', config };
}

export async function runPod(env: Env, name: string, steps: Step[] = ['RunPodSandbox', 'CreateContainer', 'StartContainer'], timeoutMs = 60_000): Promise<Pod> {
  return continuePod(env, newPod(env, name), steps, timeoutMs);
}

/** Runs `steps` of a pod's lifecycle (the pod's id and container are filled in as they are created). */
export async function continuePod(env: Env, pod: Pod, steps: Step[], timeoutMs = 60_000): Promise<Pod> {
  const config = pod.config;
  for (const step of steps) {
    if (step === 'RunPodSandbox') pod.id = (await call(env.d.runtime, 'RunPodSandbox', { config }, timeoutMs)).podSandboxId;
    if (step === 'CreateContainer') {
      pod.ctr = (await call(env.d.runtime, 'CreateContainer', {
        podSandboxId: pod.id, sandboxConfig: config,
        config: { metadata: { name: 'c', attempt: 0 }, image: { image: env.imageId }, command: ['sleep', '600'], logPath: 'c.log', workingDir: 'C:\\app\\work' },
      }, timeoutMs)).containerId;
    }
    if (step === 'StartContainer') await call(env.d.runtime, 'StartContainer', { containerId: pod.ctr }, timeoutMs);
  }
  return pod;
}

/** Stop and remove a pod (its containers go with it); idempotent. */
export async function removePod(env: Env, podId: string): Promise<void> {
  await call(env.d.runtime, 'StopPodSandbox', { podSandboxId: podId });
  await call(env.d.runtime, 'RemovePodSandbox', { podSandboxId: podId });
}

/** Waits until what the platform and the disk hold equals `want` (an emulator teardown may still be under way). */
export async function expectObjects(env: Env, want: Awaited<ReturnType<typeof objects>>, what: string): Promise<void> {
  await untilEqual(env, () => objects(env), want, what);
}

/** Reads `read()` every 100 ms until it equals `want`; after 30 s fails naming what was left, with the daemon's log. */
export async function untilEqual<T>(env: Env, read: () => Promise<T>, want: T, what: string): Promise<void> {
  let last = await read();
  const end = Date.now() + 30_000;
  while (JSON.stringify(last) !== JSON.stringify(want)) {
    if (Date.now() > end) assert.deepEqual(last, want, `${what}: objects left behind\n${env.d.log()}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
}

/** `wincri doctor --leaks -o json` against the env's daemon: its output, and the leaks as `kind/id`. */
export function leakAudit(env: Env): { out: string; keys: string[] } {
  const r = spawnSync(process.execPath, [CLI, 'doctor', '--leaks', '-o', 'json', '--endpoint', env.d.endpoint, '--root', env.d.root, '--config', env.d.configFile], { encoding: 'utf8' });
  return { out: r.stdout + r.stderr, keys: (JSON.parse(r.stdout).leaks as { kind: string; id: string }[]).map((l) => `${l.kind}/${l.id}`) };
}

/**
 * A platform operation (an emulator wire method) a fault case fails: the union of the service's operation names
 * (src/platform/emulator/service/fault-ops.ts), so a misspelt one fails the typecheck. The tables of operations the
 * fault tests arm are typed with it: test/unit/platform/fault-coverage.test.ts reads them (and injectFault('op', …)
 * calls) to find the operations covered.
 */
export type { FaultOp };

/**
 * The message of an RPC failed by `hr` says what to do: the HRESULT's advice (the README's table, HRESULT_ADVICE),
 * or for an Internal/Unavailable failure without one the generic retry advice (PLATFORM_RETRY_ADVICE), in parentheses.
 * Other codes without advice (only in WINCRI_FAULTS=full) carry the platform's message alone: nothing to check.
 */
export function assertAdvice(details: string, hr: HResultName, code: Status, where: string): void {
  const advice = HRESULT_ADVICE[hr] ?? (code === Status.INTERNAL || code === Status.UNAVAILABLE ? PLATFORM_RETRY_ADVICE : undefined);
  if (advice === undefined) return;
  assert.ok(details.includes(`(${advice})`), `${where}: the message says what to do about ${hr} (${advice}): ${details}`);
}

/**
 * Fails the next `op` with `hr`, runs `rpc`, clears the fault; the error must carry `code` (the HRESULT's mapped
 * code unless given), name the HRESULT and say what to do (assertAdvice). Returns the error for further checks.
 */
export async function failOnce(platform: Pick<EmulatorPlatform, 'injectFault' | 'clearFaults'>, op: FaultOp, hr: HResultName,
  rpc: () => Promise<unknown>, where: string, code: Status = HRESULT_STATUS[hr] ?? Status.INTERNAL): Promise<ServiceError> {
  await platform.injectFault(op, HRESULT[hr], 1);
  const err = await rpc().then(() => undefined, (e: ServiceError) => e);
  await platform.clearFaults(op);
  assert.ok(err, `${where}: the RPC succeeded`);
  assert.equal(Status[err.code], Status[code], `${where}: ${err.details}`);
  assert.match(err.details, new RegExp(hr), `${where}: the message names the HRESULT: ${err.details}`);
  assertAdvice(err.details, hr, err.code, where);
  return err;
}

/**
 * Ends a hang of `op` in progress at once (clearing an operation's faults releases its held calls): once the RPC
 * has failed past its deadline the rest of the hang proves nothing, and the abandoned call's late answer follows.
 */
export async function releaseHang(env: Env, op: FaultOp): Promise<void> {
  await env.platform.clearFaults(op);
}

/** Late platform answers logged so far in `log` ("platform call answered/failed after its deadline"): the daemon's (env.d.fullLog()) or the IO keeper's. */
export const lateAnswers = (log: string): number => log.match(/platform call (answered|failed) after its deadline/g)?.length ?? 0;

/**
 * Hangs the next `op` past the `timeoutS` deadline, runs `rpc`: it must fail DeadlineExceeded naming
 * HCS_E_OPERATION_TIMEOUT and the limit; then ends the hang (releaseHang) and waits for the abandoned call's late
 * answer (only then is a retry's outcome deterministic).
 */
export async function hangOnce(env: Env, op: FaultOp, rpc: () => Promise<unknown>, where: string, timeoutS: number): Promise<void> {
  const lateBefore = lateAnswers(env.d.fullLog());
  await env.platform.injectFault(op, 0, 1, (timeoutS + 3) * 1000);
  const err = await rpc().then(() => undefined, (e: ServiceError) => e);
  await releaseHang(env, op);
  assert.ok(err, `${where}: the RPC succeeded`);
  assert.equal(Status[err.code], 'DEADLINE_EXCEEDED', err.details);
  assert.match(err.details, /HCS_E_OPERATION_TIMEOUT/, err.details);
  assert.match(err.details, new RegExp(`within ${timeoutS}s \\(limits\\.platformCallTimeoutSeconds\\)`), err.details);
  await env.d.waitFor(`the late answer of ${op}`, () => lateAnswers(env.d.fullLog()) > lateBefore, 30_000);
}
