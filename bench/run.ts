/**
 * `npm run bench`: the same gRPC client phases against wincri (started here on the emulator backend) and a peer
 * CRI runtime, side by side in one run, every figure for both and their ratio (report.ts).
 *
 * Peer: `--peer unix:///…/containerd.sock --peer-registry HOST:PORT` (started by hand with
 * `node dist/bench/peer/containerd.js`), or by default Debian's containerd started here when it is installed
 * (bench/peer/install.sh), or none with `--no-peer`. Phases run interleaved (peer, then wincri, per phase):
 * lifecycle (phases/lifecycle.ts; the targets take turns in blocks), cheap RPC (phases/rpc.ts; every target and the floors interleaved), steady state at N pods (phases/steady.ts; the relists of every target interleaved, from the bench's grpc-js client and from a Go one, steady/go-relists.ts), log
 * throughput (phases/logs.ts), exec streaming (phases/exec.ts), pull (phases/pull.ts); then, wincri only, daemon
 * restart → ready with running pods (recovery.ts).
 *
 * Flags: run-flags.ts (`--help` prints them; an unknown flag exits 2). --wincri-node-args "--cpu-prof --cpu-prof-dir=DIR"
 * profiles the daemon; --favordynmods lets the emulator switch cgroup joins off RCU grace periods (host-wide, both
 * runtimes; see README); --background-load N runs N busy processes (lib/background-load.ts) from the first phase
 * until the recovery phase (which stops the load first: it runs unloaded), the same for every target (a
 * reproducible loaded host). Networking is built for real (CNI bridge for
 * containerd, wincri's nat plugin): run it under `flock /tmp/wincri-net.lock` on a shared machine.
 */
import { performance } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { numFlag, strFlag, boolFlag } from './lib/flags.js';
import { handleArgs } from './lib/usage.js';
import { BENCH_FLAGS } from './run-flags.js';
import { startRegistry, type Registry } from '../test/helpers/registry.js';
import { pushPeerImages } from './peer/images.js';
import { containerdAvailable } from './peer/containerd.js';
import { startWincri } from './targets/wincri.js';
import { startContainerdTarget, peerTarget } from './targets/peer.js';
import type { Target } from './target.js';
import { table, type Figures } from './report.js';
import { lifecyclePhase, describeInterleaving, type LifecycleOptions } from './phases/lifecycle.js';
import { LifecycleTrace } from './lifecycle/trace.js';
import { slowSamples } from './lifecycle/report.js';
import { versionPhase } from './phases/rpc.js';
import { steadyPhase } from './phases/steady.js';
import { RelistTrace } from './steady/trace.js';
import { IdleTrace } from './steady/idle-trace.js';
import { slowRelists } from './steady/report.js';
import { logsPhase } from './phases/logs.js';
import { pullPhase } from './phases/pull.js';
import { pushPullImages } from './phases/pull-images.js';
import { outsideShares } from './phases/outside.js';
import { execPhase } from './phases/exec.js';
import { benchRecovery } from './recovery.js';
import { startBackgroundLoad, type BackgroundLoad } from './lib/background-load.js';
import { describeSessions } from './lib/session.js';

handleArgs('node dist/bench/run.js', BENCH_FLAGS);
const o = {
  pods: numFlag('pods', 120), parPods: numFlag('par-pods', 40), block: numFlag('lifecycle-block', 5), parallel: numFlag('parallel', 5), warmup: numFlag('warmup', 3), steadyPods: numFlag('steady-pods', 110),
  relist: numFlag('relist-samples', 1000), relistWarmup: numFlag('relist-warmup', 3000), idle: numFlag('idle-seconds', 10), version: numFlag('version-samples', 2000), versionWarmup: numFlag('version-warmup', 3000),
  logMb: numFlag('log-mb', 50), logRounds: numFlag('log-rounds', 5), pullMb: numFlag('pull-mb', 500), pullRounds: numFlag('pull-rounds', 5), execSamples: numFlag('exec-samples', 100), execMb: numFlag('exec-mb', 1000),
};
const peerEndpoint = strFlag('peer');
const traceFile = strFlag('lifecycle-trace');
const trace = traceFile ? new LifecycleTrace(traceFile) : undefined;
const relistTraceFile = strFlag('relist-trace');
const relistTrace = relistTraceFile ? new RelistTrace(relistTraceFile) : undefined;
const idleTraceFile = strFlag('idle-trace');
const idleTrace = idleTraceFile ? new IdleTrace(idleTraceFile) : undefined;
const lc: LifecycleOptions = { pods: o.pods, parPods: o.parPods, parallel: o.parallel, warmup: o.warmup, block: o.block, trace };
/** Host-wide (both runtimes): cgroup joins without an RCU grace period (emulator cgroup-dynmods.ts). */
const favordynmods = boolFlag('favordynmods');
const only = strFlag('phases')?.split(',').map((p) => p.trim()).filter(Boolean);
const PHASES = ['lifecycle', 'version', 'steady', 'logs', 'exec', 'pull', 'recovery'];
for (const p of only ?? []) if (!PHASES.includes(p)) throw new Error(`--phases: unknown phase ${p} (${PHASES.join(', ')})`);
/** Whether a phase runs: named by --phases when given, else not skipped by --skip-<phase>. */
const runs = (phase: string) => (only ? only.includes(phase) : !boolFlag(`skip-${phase}`));
const wantPeer = !boolFlag('no-peer') && (peerEndpoint !== undefined || boolFlag('with-containerd') || containerdAvailable());
const t0 = performance.now();
const load0 = loadavg();
const targets: Target[] = [];
const figures = new Map<Target, Figures>();
let reg: Registry | undefined;
let registryHost = strFlag('peer-registry');
let floor: { defaults: number; noChannelz: number } | undefined;
let shares = '';
let recovery = '';
const notes: string[] = [];
const loadProcs = numFlag('background-load', 0);
let load: BackgroundLoad | undefined;

async function each(what: string, fn: (t: Target) => Promise<Figures>): Promise<void> {
  for (const t of targets) {
    const a = performance.now();
    Object.assign(figures.get(t)!, await fn(t));
    console.error(`  ${what} on ${t.name}: ${((performance.now() - a) / 1000).toFixed(1)} s`);
  }
}

const stopAll = async () => { await load?.stop(); for (const t of targets.splice(0)) await t.stop().catch((e) => console.error(`stopping ${t.name}: ${e}`)); await reg?.stop(); };
// SIGTERM too (a test's timeout sends it): a bench killed without stopping its targets leaves their processes.
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) process.once(sig, () => { void stopAll().finally(() => process.exit(code)); });

try {
  if (!registryHost) {
    reg = await startRegistry();
    registryHost = reg.host;
    if (wantPeer && !peerEndpoint) await pushPeerImages(reg.url);
  }
  const registryUrl = `http://${registryHost}`;
  if (wantPeer) targets.push(peerEndpoint ? await peerTarget(peerEndpoint, registryHost, strFlag('peer-pids')) : await startContainerdTarget(registryHost));
  const nodeArgs = strFlag('wincri-node-args')?.split(' ').filter(Boolean) ?? [];
  const gcLog = trace?.gcFile ?? relistTrace?.gcFile ?? idleTrace?.gcFile;
  if (idleTrace && gcLog) idleTrace.gcFile = gcLog;
  if (gcLog) { process.env.WINCRI_BENCH_GC_LOG = gcLog; nodeArgs.push(`--import=${new URL('./lib/gc-log.js', import.meta.url).href}`); }
  targets.push(await startWincri({ registryHost, nodeArgs, favordynmods }));
  for (const t of targets) figures.set(t, {});
  console.error(`targets: ${targets.map((t) => `${t.name} (${t.endpoint})`).join(', ')}`);
  console.error(`  ${describeSessions(targets)}`);
  if (loadProcs) load = startBackgroundLoad(loadProcs);

  if (runs('lifecycle')) {
    const a = performance.now();
    for (const [t, f] of await lifecyclePhase(targets, lc)) Object.assign(figures.get(t)!, f);
    console.error(`  lifecycle on ${targets.map((t) => t.name).join(', ')} (blocks interleaved): ${((performance.now() - a) / 1000).toFixed(1)} s`);
    if (trace) console.error(slowSamples(trace.finish()));
    const w = targets.find((t) => t.metricsUrl);
    if (w) shares = await outsideShares(w.metricsUrl!);
  }
  if (runs('version')) {
    const a = performance.now();
    const v = await versionPhase(targets.map((t) => t.runtime), o.version, o.versionWarmup);
    targets.forEach((t, i) => { figures.get(t)!['version.p50'] = v.targets[i]!; });
    floor = v.floor;
    console.error(`  version on ${targets.map((t) => t.name).join(', ')} and the floors, interleaved: ${((performance.now() - a) / 1000).toFixed(1)} s`);
  }
  if (runs('steady')) {
    const a = performance.now();
    for (const [t, f] of await steadyPhase(targets, o.steadyPods, o.relist, o.idle, relistTrace, o.relistWarmup, notes, idleTrace)) Object.assign(figures.get(t)!, f);
    if (relistTrace) console.error(slowRelists(relistTrace.finish()));
    console.error(`  steady on ${targets.map((t) => t.name).join(', ')} (relists interleaved): ${((performance.now() - a) / 1000).toFixed(1)} s`);
  }
  if (runs('logs')) {
    const a = performance.now();
    for (const [t, f] of await logsPhase(targets, o.logMb, o.logRounds)) Object.assign(figures.get(t)!, f);
    console.error(`  logs on ${targets.map((t) => t.name).join(', ')} (rounds interleaved): ${((performance.now() - a) / 1000).toFixed(1)} s`);
  }
  if (runs('exec')) await each('exec', (t) => execPhase(t, o.execSamples, o.execMb));
  if (runs('pull')) {
    const imgs = await pushPullImages(registryUrl, registryHost, o.pullMb);
    const a = performance.now();
    const refOf = (t: Target) => (t.name === 'wincri' ? imgs.windows : imgs.linux);
    for (const [t, f] of await pullPhase(targets, refOf, imgs.compressedMb, o.pullRounds)) Object.assign(figures.get(t)!, f);
    console.error(`  pull on ${targets.map((t) => t.name).join(', ')} (rounds interleaved): ${((performance.now() - a) / 1000).toFixed(1)} s`);
  }
  if (runs('recovery')) {
    await load?.stop();
    for (const t of targets.splice(0)) await t.stop(); // the restart bench starts its own daemon; nothing else runs
    const a = performance.now();
    recovery = await benchRecovery();
    console.error(`  recovery on wincri: ${((performance.now() - a) / 1000).toFixed(1)} s`);
  }
} catch (e) {
  console.error(`bench failed: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
// Printed after a failed phase too: the figures of the phases before it are from the same run.
if (figures.size) {
  console.log(`\nwincri bench — ${[...figures.keys()].map((t) => t.name).join(' vs ')}; same client, same machine, same run${process.exitCode ? ' (INCOMPLETE: a phase failed)' : ''}`);
  console.log(`host: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}; load average at start / end: ${load0.map((l) => l.toFixed(1)).join(' ')} / ${loadavg().map((l) => l.toFixed(1)).join(' ')}; cgroup favordynmods ${favordynmods ? 'turned on by --favordynmods (host-wide, both runtimes)' : 'not turned on by the bench'}${loadProcs ? `; --background-load ${loadProcs}: ${loadProcs} busy processes during the phases before recovery (recovery runs unloaded)` : ''}`);
  if (trace) console.log('--lifecycle-trace: the daemon ran with the GC-log preload for the whole run (a synchronous append per GC batch); the phases after lifecycle carry that cost too');
  console.log(`${describeInterleaving(lc)}; steady state ${o.steadyPods} pods; logs ${o.logMb} MB × ${o.logRounds} rounds; exec ${o.execSamples} round trips, ${o.execMb} MB; pull ${o.pullMb} MB × ${o.pullRounds} rounds\n`);
  console.log(table([...figures].map(([t, f]) => ({ name: t.name, f })), o.steadyPods, floor));
  for (const n of notes) console.log(n);
  if (shares) console.log(`\nwhere wincri's lifecycle RPC time goes (sum over the phase, warm-up included):\n\n${shares}`);
  if (recovery) console.log(`\n${recovery}`);
}
console.log(`\ntotal bench time: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
