/**
 * `npm run bench`: latency and memory figures of the real daemon on the emulator backend.
 *
 * Starts `wincri serve` (with its IO keeper and the emulator service) on a temp socket through the e2e harness,
 * drives it with a real gRPC client, prints a table, and removes everything it created. Phases:
 *   1. pod start: one sample = RunPodSandbox → CreateContainer → StartContainer for a fresh pod, in sequence.
 *      The pods stay (1 running container each).
 *   2. RSS of the daemon, the IO keeper and the emulator service with those pods running.
 *   3. More containers are created and started in the same pods until the target count is present (all running),
 *      then ListContainers (nil filter) and ContainerStatus (random container) latencies.
 *   4. Teardown through the CRI (StopPodSandbox + RemovePodSandbox per pod, sequential), timed for information,
 *      within a time budget; pods left when it runs out go with the emulator service (Daemon.destroy terminates
 *      every compute system), and the output says how many.
 * Calls are issued one at a time (no concurrency); the client shares the machine with the daemon.
 * Pod networking: a CNI plugin written here in POSIX sh (no networking; an address derived from the container ID),
 * so RunPodSandbox pays one cheap plugin exec instead of the node start-up of the tests' fake plugin.
 * Then the pull benchmark of ./pull.ts (its own daemon and a local docker-registry).
 *
 * Flags (after `npm run bench --`): --pods N (default 100), --containers N (total for phase 3, default 500),
 * --samples N (list/status samples, default 200), --warmup N (untimed pod starts first, default 5),
 * --teardown-budget S (seconds of CRI teardown, default 60), --skip-runtime, --skip-pull (and ./pull.ts's flags).
 */
import { mkdirSync, readFileSync, existsSync, readdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, totalmem, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Daemon, call, podConfig } from '../test/e2e/harness.js';
import { buildWindowsImage } from '../test/helpers/image-builder.js';
import { benchPull } from './pull.js';
import { benchRecovery } from './recovery.js';
// Loaded now, not lazily by Daemon.destroy(): a rebuild of dist/ during a long run must not break the cleanup.
import '../src/platform/emulator/index.js';

const IMAGE = 'example.com/wincri/bench:1.0';
/** The sleep argument doubles as a marker to find container processes left behind after the cleanup. */
const MARKER = `100000.${process.pid}`;
const COMMAND = ['sh', '-c', `exec sleep ${MARKER}`];

/** A CNI plugin (POSIX sh): VERSION, ADD with 10.x.y.z/8 derived from CNI_CONTAINERID, everything else succeeds. */
const CNI_PLUGIN = `#!/bin/sh
cat >/dev/null
case "$CNI_COMMAND" in
VERSION) printf '{"cniVersion":"1.0.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0"]}' ;;
ADD)
  id=$CNI_CONTAINERID; h=\${id%"\${id#??????}"}; n=$((0x$h))
  printf '{"cniVersion":"1.0.0","interfaces":[{"name":"%s"}],"ips":[{"address":"10.%d.%d.%d/8","interface":0}],"dns":{}}' \\
    "\${CNI_IFNAME:-eth0}" $(((n >> 16) & 255)) $(((n >> 8) & 255)) $(((n & 255) | 1)) ;;
esac
exit 0
`;

function flag(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} needs a non-negative integer`);
  return v;
}

const PODS = flag('pods', 100);
const CONTAINERS = flag('containers', 500);
const SAMPLES = flag('samples', 200);
const WARMUP = flag('warmup', 5);
const TEARDOWN_BUDGET_MS = flag('teardown-budget', 60) * 1000;
if (PODS < 1) throw new Error('--pods must be at least 1');
if (CONTAINERS < PODS) throw new Error('--containers must be at least --pods');

/** Nearest-rank percentile of sorted values. */
function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

interface Row { what: string; n: number; p50: number; p99: number; min: number; max: number; mean: number }
function summarize(what: string, samples: number[]): Row {
  const s = [...samples].sort((a, b) => a - b);
  return { what, n: s.length, p50: pct(s, 50), p99: pct(s, 99), min: s[0]!, max: s[s.length - 1]!, mean: s.reduce((a, b) => a + b, 0) / s.length };
}

function procStatus(pid: number | undefined): { rss: number; hwm: number } | undefined {
  if (!pid) return undefined;
  try {
    const txt = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB$`, 'm').exec(txt)?.[1] ?? NaN);
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch { return undefined; }
}

function pidFromFile(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const n = Number(readFileSync(path, 'utf8').trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Processes whose command line carries this run's marker. */
function markedProcesses(): number[] {
  const out: number[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try { if (readFileSync(`/proc/${n}/cmdline`, 'utf8').includes(MARKER)) out.push(Number(n)); } catch { /* gone */ }
  }
  return out;
}

const ms = (v: number) => v.toFixed(2).padStart(9);
const mib = (kb: number) => `${(kb / 1024).toFixed(1)} MiB`;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

async function benchRuntime(): Promise<void> {
  const t0 = performance.now();
  const load0 = loadavg();
  const d = new Daemon('wincri-bench', { network: { conf: { cniVersion: '1.0.0', name: 'bench', plugins: [{ type: 'bench-net' }] } } });
  const pluginFile = join(d.cniBinDir, 'bench-net');
  writeFileSync(pluginFile, CNI_PLUGIN);
  chmodSync(pluginFile, 0o755);
  const pods: { id: string; config: ReturnType<typeof podConfig>; containers: string[] }[] = [];
  let imageId = '';
  let cleanedUp = false;

  const cleanup = async () => {
    if (cleanedUp) return;
    cleanedUp = true;
    await d.destroy();
    // Container processes the emulator service should have terminated; report and kill them (ours, by pid).
    const left = markedProcesses();
    if (left.length) {
      console.error(`cleanup: ${left.length} container process(es) survived the emulator service: ${left.join(' ')}; killing them`);
      for (const pid of left) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
      process.exitCode = 1;
    }
  };
  const onSignal = () => { void cleanup().finally(() => process.exit(130)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    // Info level: the harness default (debug) would log every RPC and distort the figures.
    await d.start(['--log-level', 'info']);
    const tar = await buildWindowsImage({
      dir: d.dir, names: [IMAGE], format: 'oci', layers: [{ 'app/hello.txt': 'hello\n' }],
      config: { Cmd: ['sh', '-c', 'sleep 100000'] },
    });
    imageId = d.importImage(tar).split('\t')[0]!.trim();
    if (!/^sha256:[0-9a-f]{64}$/.test(imageId)) throw new Error(`unexpected import output: ${imageId}`);

    const daemonPid = d.proc?.pid;
    const keeperPid = pidFromFile(join(d.root, 'io', 'keeper.pid'));
    const emulatorPid = pidFromFile(join(d.root, 'emulator', 'service.pid'));
    const rssAt = () => ({ daemon: procStatus(daemonPid), keeper: procStatus(keeperPid), emulator: procStatus(emulatorPid) });
    await sleep(1000);
    const idle = rssAt();

    let podSeq = 0;
    const newPod = async () => {
      const name = `bench-${podSeq++}`;
      const config = podConfig(name, join(d.logDir, name));
      mkdirSync(join(config.logDirectory, 'c0'), { recursive: true });
      return config;
    };
    const ctrConfig = (pod: { id: string; config: ReturnType<typeof podConfig> }, name: string) => ({
      podSandboxId: pod.id,
      config: {
        metadata: { name, attempt: 0 }, image: { image: imageId, userSpecifiedImage: IMAGE }, command: COMMAND,
        logPath: `${name}/0.log`, labels: { 'io.kubernetes.container.name': name },
      },
      sandboxConfig: pod.config,
    });

    // ---- phase 1: RunPodSandbox → CreateContainer → StartContainer, fresh pod per sample
    const startSamples: number[] = [];
    const parts = { run: [] as number[], create: [] as number[], start: [] as number[] };
    for (let i = 0; i < WARMUP + PODS; i++) {
      const config = await newPod();
      const a = performance.now();
      const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config });
      const b = performance.now();
      const pod = { id: podSandboxId as string, config, containers: [] as string[] };
      pods.push(pod);
      const { containerId } = await call(d.runtime, 'CreateContainer', ctrConfig(pod, 'c0'));
      const c = performance.now();
      await call(d.runtime, 'StartContainer', { containerId });
      const e = performance.now();
      pod.containers.push(containerId as string);
      if (i >= WARMUP) {
        startSamples.push(e - a);
        parts.run.push(b - a); parts.create.push(c - b); parts.start.push(e - c);
      }
    }
    // The warm-up pods are removed so that exactly PODS pods (1 running container each) remain.
    for (const pod of pods.splice(0, WARMUP)) {
      await call(d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
      await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
    }
    const running1 = (await call(d.runtime, 'ListContainers', { filter: { state: { state: 'CONTAINER_RUNNING' } } })).containers.length;
    if (running1 !== PODS) throw new Error(`expected ${PODS} running containers after phase 1, found ${running1}`);
    const podsReady = (await call(d.runtime, 'ListPodSandbox', { filter: { state: { state: 'SANDBOX_READY' } } })).items.length;
    if (podsReady !== PODS) throw new Error(`expected ${PODS} ready pods, found ${podsReady}`);

    // ---- phase 2: memory with PODS running pods
    await sleep(2000);
    const withPods = rssAt();

    // ---- phase 3: fill up to CONTAINERS containers (all created and started), then list / status
    const fillStart = performance.now();
    let total = pods.reduce((n, p) => n + p.containers.length, 0);
    for (let k = 1; total < CONTAINERS; k++) {
      for (const pod of pods) {
        if (total >= CONTAINERS) break;
        const name = `c${k}`;
        mkdirSync(join(pod.config.logDirectory, name), { recursive: true });
        const { containerId } = await call(d.runtime, 'CreateContainer', ctrConfig(pod, name));
        await call(d.runtime, 'StartContainer', { containerId });
        pod.containers.push(containerId as string);
        total++;
      }
    }
    const fillMs = performance.now() - fillStart;
    const all = pods.flatMap((p) => p.containers);
    const running3 = (await call(d.runtime, 'ListContainers', { filter: { state: { state: 'CONTAINER_RUNNING' } } })).containers.length;
    if (running3 !== CONTAINERS) throw new Error(`expected ${CONTAINERS} running containers, found ${running3}`);

    const listSamples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const a = performance.now();
      const r = await call(d.runtime, 'ListContainers', {});
      listSamples.push(performance.now() - a);
      if (r.containers.length !== CONTAINERS) throw new Error(`ListContainers returned ${r.containers.length}, expected ${CONTAINERS}`);
    }
    // Deterministic pseudo-random choice (xorshift32) so runs are comparable.
    let seed = 0x9e3779b9;
    const rnd = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 2 ** 32; };
    const statusSamples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const id = all[Math.floor(rnd() * all.length)]!;
      const a = performance.now();
      const r = await call(d.runtime, 'ContainerStatus', { containerId: id });
      statusSamples.push(performance.now() - a);
      if (r.status.id !== id || r.status.state !== 'CONTAINER_RUNNING') throw new Error(`ContainerStatus(${id}) = ${r.status.id} ${r.status.state}`);
    }
    await sleep(1000);
    const withContainers = rssAt();

    // ---- teardown (timed, for information)
    const tdStart = performance.now();
    const stopSamples: number[] = [];
    const removeSamples: number[] = [];
    const perPod = CONTAINERS / PODS;
    for (const pod of [...pods]) {
      if (performance.now() - tdStart > TEARDOWN_BUDGET_MS) break;
      const a = performance.now();
      await call(d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
      const b = performance.now();
      await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
      removeSamples.push(performance.now() - b);
      stopSamples.push(b - a);
      pods.splice(pods.indexOf(pod), 1);
    }
    const teardownMs = performance.now() - tdStart;
    const tornDown = PODS - pods.length;
    const left = (await call(d.runtime, 'ListContainers', {})).containers.length;
    const expectLeft = pods.reduce((n, p) => n + p.containers.length, 0);

    // ---- report
    const rows = [
      summarize(`Run+Create+Start (fresh pod)`, startSamples),
      summarize(`  RunPodSandbox`, parts.run),
      summarize(`  CreateContainer`, parts.create),
      summarize(`  StartContainer`, parts.start),
      summarize(`ListContainers, nil filter (${CONTAINERS} ctrs)`, listSamples),
      summarize(`ContainerStatus, random (${CONTAINERS} ctrs)`, statusSamples),
      summarize(`teardown: StopPodSandbox (~${perPod} running ctrs)`, stopSamples),
      summarize(`teardown: RemovePodSandbox`, removeSamples),
    ];
    const w = Math.max(...rows.map((r) => r.what.length));
    const out: string[] = [];
    out.push('');
    out.push(`wincri bench — emulator backend, real daemon over ${d.endpoint}`);
    out.push(`host: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}; calls sequential, client on the same host`);
    out.push(`load average at the start / end: ${load0.map((l) => l.toFixed(1)).join(' ')} / ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the host skews the figures)`);
    out.push(`container command: ${JSON.stringify(COMMAND)}; ${WARMUP} untimed warm-up pod starts`);
    out.push('');
    out.push(`${'latency (ms)'.padEnd(w)}  ${'n'.padStart(4)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'min'.padStart(9)} ${'mean'.padStart(9)} ${'max'.padStart(9)}`);
    for (const r of rows) out.push(`${r.what.padEnd(w)}  ${String(r.n).padStart(4)} ${ms(r.p50)} ${ms(r.p99)} ${ms(r.min)} ${ms(r.mean)} ${ms(r.max)}`);
    out.push('');
    const memRow = (label: string, m: ReturnType<typeof rssAt>) => {
      const f = (s?: { rss: number; hwm: number }) => (s ? `${mib(s.rss).padStart(10)} (peak ${mib(s.hwm)})` : 'n/a'.padStart(10)).padEnd(28);
      return `${label.padEnd(34)} ${f(m.daemon)} ${f(m.keeper)} ${f(m.emulator)}`;
    };
    out.push(`${'RSS (VmRSS, VmHWM)'.padEnd(34)} ${'daemon'.padEnd(28)} ${'IO keeper'.padEnd(28)} ${'emulator service'.padEnd(28)}`);
    out.push(memRow('idle, image imported, 0 pods', idle));
    out.push(memRow(`${PODS} pods × 1 running container`, withPods));
    out.push(memRow(`${PODS} pods, ${CONTAINERS} running containers`, withContainers));
    out.push(`pids: daemon ${daemonPid}, IO keeper ${keeperPid ?? '?'}, emulator service ${emulatorPid ?? '?'} (container processes not counted)`);
    out.push('');
    out.push(`filling to ${CONTAINERS} containers (${CONTAINERS - PODS} create+start): ${(fillMs / 1000).toFixed(1)} s, ${(fillMs / (CONTAINERS - PODS || 1)).toFixed(1)} ms each`);
    out.push(`teardown through the CRI: ${tornDown} of ${PODS} pods in ${(teardownMs / 1000).toFixed(1)} s (budget ${TEARDOWN_BUDGET_MS / 1000} s); ` +
      `containers left: ${left}${pods.length ? ` (the remaining ${pods.length} pods go with the emulator service)` : ''}`);
    out.push(`runtime bench time: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    console.log(out.join('\n'));
    if (left !== expectLeft) { console.error(`expected ${expectLeft} containers after teardown, found ${left}`); process.exitCode = 1; }
    pods.length = 0; // the rest is removed with the emulator service by cleanup()
  } catch (e) {
    console.error(`bench failed: ${(e as Error).stack ?? e}`);
    console.error(`--- daemon log (tail) ---\n${d.log()}`);
    process.exitCode = 1;
  } finally {
    // Daemon, keeper, emulator service (which terminates every compute system left) and the temp dir.
    await cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

const t0 = performance.now();
if (!process.argv.includes('--skip-runtime')) await benchRuntime();
if (!process.argv.includes('--skip-pull')) {
  try {
    console.log(`\n${await benchPull()}`);
  } catch (e) {
    console.error(`pull bench failed: ${(e as Error).stack ?? e}`);
    process.exitCode = 1;
  }
}
if (!process.argv.includes('--skip-recovery')) {
  try {
    console.log(`\n${await benchRecovery()}`);
  } catch (e) {
    console.error(`recovery bench failed: ${(e as Error).stack ?? e}`);
    process.exitCode = 1;
  }
}
console.log(`\ntotal bench time: ${((performance.now() - t0) / 1000).toFixed(1)} s`);

