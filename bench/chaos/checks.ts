/**
 * What must hold after a kill and recovery: the leak audit of `wincri doctor --leaks` (run here programmatically)
 * finds nothing, no process of the runtime is left without an owner (strays.ts), no ready pod or running container
 * misses its namespace or compute system (presence.ts), no container process lives without a running container, every pod listed is consistent with
 * its containers, and CRI logs have no gap in their numbered lines.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/config.js';
import { createPlatform } from '../../src/daemon/platform-factory.js';
import { loadRecords, platformView } from '../../src/cli/doctor/collect.js';
import { findLeaks } from '../../src/cli/doctor/leaks.js';
import { call } from '../../test/e2e/harness.js';
import { eachLimited } from '../lib/each-limited.js';
import { LINE_RE } from './workload.js';
import { pidOf, type World } from './world.js';
import { classifyStrays, markRun, processTable, rememberKeeper } from './strays.js';
import { incomplete } from './presence.js';

export interface LogCheck { lines: number; max: number; lost: number[]; duplicates: number }

/** Numbered lines of one CRI log: the highest, and every number below it that is missing. */
export function checkLog(path: string): LogCheck {
  let text = '';
  try { text = readFileSync(path, 'utf8'); } catch { /* never written */ }
  const seen = new Set<number>();
  let duplicates = 0;
  let max = 0;
  for (const line of text.split('\n')) {
    const m = LINE_RE.exec(line);
    if (!m) continue;
    const n = Number(m[1]);
    if (seen.has(n)) duplicates++;
    seen.add(n);
    if (n > max) max = n;
  }
  const lost: number[] = [];
  for (let i = 1; i <= max; i++) if (!seen.has(i)) lost.push(i);
  return { lines: seen.size, max, lost, duplicates };
}

/**
 * Objects that were already unowned before the run started (left by another wincri on this host, or by a crashed
 * earlier run): recorded once per world and not counted as leaks of this run.
 */
const preexisting = new WeakMap<World, Set<string>>();

export async function recordPreexistingLeaks(w: World): Promise<string[]> {
  const { leaks } = await auditLeaks(w);
  preexisting.set(w, new Set(leaks));
  return leaks;
}

/** Leaks as `wincri doctor --leaks` reports them (one line each); in-flight creations count as "undecided". */
export async function auditLeaks(w: World): Promise<{ leaks: string[]; undecided: string[] }> {
  const cfg = loadConfig(w.daemon.configFile, { root: w.daemon.root, endpoint: w.daemon.endpoint });
  const platform = await createPlatform(cfg, { spawnService: false });
  try {
    const { records } = await loadRecords(cfg);
    const view = await platformView(cfg, platform);
    const r = findLeaks(records, view);
    const before = preexisting.get(w);
    const leaks = r.leaks.map((l) => `${l.kind} ${l.id}${l.detail ? ` (${l.detail})` : ''}: ${l.why}`);
    // Processes that are not containers' (holders, helpers, CNI plugins, keeper children) count as leaks too.
    const live = [process.pid, pidOf(w, 'daemon'), pidOf(w, 'keeper'), pidOf(w, 'emulator')].filter((p): p is number => !!p);
    const owners = new Set([...records.sandboxes.map((x) => x.id), ...records.containers.map((x) => x.id), ...records.creating]);
    const strays = classifyStrays(processTable(), { root: w.daemon.root, mark: markRun(), live: new Set(live), keepers: rememberKeeper(w, pidOf(w, 'keeper')), owners });
    leaks.push(...strays.map((x) => `process ${x.pid} (${x.kind}): ${x.why}`));
    // Owners whose objects are gone (a pod or container only partly present) are reported with the leaks.
    leaks.push(...incomplete(records, view));
    return { leaks: before ? leaks.filter((l) => !before.has(l)) : leaks, undecided: r.undecided };
  } finally {
    await platform.close();
  }
}

/** Polls the audit until it is clean (recovery may still be finishing its clean-up); returns what remains. */
export async function leaksAfter(w: World, ms: number): Promise<string[]> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await auditLeaks(w);
    if ((r.leaks.length === 0 && r.undecided.length === 0) || Date.now() > end) return [...r.leaks, ...r.undecided.map((u) => `UNDECIDED ${u}`)];
    await new Promise((res) => setTimeout(res, 500));
  }
}

export interface Listing {
  pods: { id: string; name: string; state: string }[];
  containers: { id: string; podSandboxId: string; state: string }[];
}

export async function listing(w: World): Promise<Listing> {
  const pods = (await call(w.daemon.runtime, 'ListPodSandbox', {}, 30_000)).items
    .map((p: { id: string; metadata: { name: string }; state: string }) => ({ id: p.id, name: p.metadata.name, state: p.state }));
  const containers = (await call(w.daemon.runtime, 'ListContainers', {}, 30_000)).containers
    .map((c: { id: string; podSandboxId: string; state: string }) => ({ id: c.id, podSandboxId: c.podSandboxId, state: c.state }));
  return { pods, containers };
}

/** Containers whose pod is not listed, and pods whose status cannot be read. */
export async function inconsistencies(w: World, l: Listing): Promise<string[]> {
  const out: string[] = [];
  const podIds = new Set(l.pods.map((p) => p.id));
  for (const c of l.containers) if (!podIds.has(c.podSandboxId)) out.push(`container ${c.id.slice(0, 12)} belongs to pod ${c.podSandboxId.slice(0, 12)}, which is not listed`);
  // Several at once, as kubelet's status polls come: one after the other, 200 of them took minutes on a loaded host.
  await eachLimited(l.pods, 10, async (p) => {
    try { await call(w.daemon.runtime, 'PodSandboxStatus', { podSandboxId: p.id }, 30_000); } catch (e) { out.push(`pod ${p.name}: PodSandboxStatus failed: ${(e as Error).message}`); }
  });
  await eachLimited(l.containers, 10, async (c) => {
    try { await call(w.daemon.runtime, 'ContainerStatus', { containerId: c.id }, 30_000); } catch (e) { out.push(`container ${c.id.slice(0, 12)}: ContainerStatus failed: ${(e as Error).message}`); }
  });
  return out;
}
