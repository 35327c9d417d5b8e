/**
 * `wincri shutdown [--containers]`: the operator's way to stop everything wincri runs on a node. By design
 * containers outlive the daemon: the IO keeper holds their stdio and the emulator service (vmcompute on Windows)
 * runs them. So this stops, in order:
 *   1. with --containers: every pod (StopPodSandbox + RemovePodSandbox, which stop and remove its containers),
 *      through the daemon when it serves, else through a runtime opened here on the same root; without it, any
 *      running container makes the command refuse (exit 1) and name them;
 *   2. the daemon (SIGTERM to the pid in <root>/daemon.pid), which would otherwise respawn the keeper;
 *   3. the IO keeper (SIGTERM to <root>/io/keeper.pid);
 *   4. on the emulator backend, the emulator service through its stopService request: it terminates any compute
 *      system left and removes its Linux networking (bridges, nftables tables, network namespaces, veths).
 * Pods left READY without --containers lose their network with the emulator service: the next start reports them
 * NOTREADY and kubelet recreates them.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadConfig, endpointPath, type Config } from '../config/config.js';
import { loadCri } from '../cri/proto.js';
import { createEmulatorPlatform } from '../platform/emulator/index.js';
import { stopEmulatorService } from '../platform/emulator/service-stop.js';
import { daemonPidFile, keeperPaths } from '../daemon/wire.js';

export const SHUTDOWN_HELP = `Usage: wincri shutdown [--containers] [--config FILE] [--root DIR] [--endpoint URL]

Stops the daemon, the IO keeper and (emulator backend) the emulator service of this root, which keep running
when "wincri serve" stops so that containers survive a daemon restart. The emulator service removes its Linux
networking (bridges, nftables tables, pod network namespaces) when it stops.
  --containers       first stop and remove every pod and its containers (StopPodSandbox + RemovePodSandbox),
                     through the daemon if it runs, else directly; without it, running containers make the
                     command refuse with exit status 1
  --config FILE      wincri configuration (root, endpoint, backend)
  --root DIR         state root (default from the configuration)
  --endpoint URL     the daemon's endpoint (default from the configuration)`;

interface Flags { containers: boolean; help: boolean; config?: string; root?: string; endpoint?: string }

function parseFlags(argv: string[]): Flags {
  const f: Flags = { containers: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [name, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (name === '--containers') f.containers = true;
    else if (name === '-h' || name === '--help') f.help = true;
    else if (name === '--config' || name === '--root' || name === '--endpoint') {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new ShutdownUsageError(`flag ${name} needs a value`);
      f[name.slice(2) as 'config' | 'root' | 'endpoint'] = v;
    } else throw new ShutdownUsageError(`unknown argument "${a}"`);
  }
  return f;
}

export class ShutdownUsageError extends Error { override name = 'ShutdownUsageError'; }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pid in `file` when that process is alive and its command line contains `marker`. */
function livePid(file: string, marker: string): number | undefined {
  let pid: number;
  try { pid = Number(readFileSync(file, 'utf8').trim()); } catch { return undefined; }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try { process.kill(pid, 0); } catch { return undefined; }
  if (process.platform === 'linux') {
    try { if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker)) return undefined; } catch { return undefined; }
  }
  return pid;
}

async function stopPid(pid: number, what: string): Promise<void> {
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  for (let i = 0; i < 300; i++) {
    try { process.kill(pid, 0); } catch { return; }
    await sleep(50);
  }
  console.error(`wincri: ${what} (pid ${pid}) did not stop within 15 s of SIGTERM; killing it`);
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}

type Call = (method: string, req: unknown) => Promise<any>;

function criClient(endpoint: string): { call: Call; close(): void } {
  const cri = loadCri();
  const target = endpoint.startsWith('unix://') ? `unix:${endpointPath(endpoint)}` : endpoint;
  const opts = { 'grpc.use_local_subchannel_pool': 1 };
  const client = new cri.runtime.v1.RuntimeService(target, grpc.credentials.createInsecure(), opts) as unknown as grpc.Client & Record<string, Function>;
  const call: Call = (method, req) => new Promise((ok, fail) => {
    client[method]!.call(client, req, { deadline: Date.now() + 120_000 }, (e: grpc.ServiceError | null, r: unknown) => (e ? fail(new Error(`${method}: ${e.details || e.message}`)) : ok(r)));
  });
  return { call, close: () => client.close() };
}

interface Running { id: string; pod: string }

/** Stops and removes every pod, returning how many. */
async function removeAllPods(list: () => Promise<string[]>, stop: (id: string) => Promise<void>, remove: (id: string) => Promise<void>): Promise<number> {
  const pods = await list();
  for (const id of pods) {
    await stop(id);
    await remove(id);
  }
  return pods.length;
}

async function runningWithoutDaemon(cfg: Config): Promise<Running[]> {
  if (cfg.backend !== 'emulator') {
    const { createWindowsPlatform } = await import('../platform/windows/index.js');
    const p = await createWindowsPlatform();
    try { return (await p.compute.enumerateComputeSystems({ Owners: ['wincri'] })).filter((s) => s.State === 'Running').map((s) => ({ id: s.Id ?? '?', pod: '?' })); } finally { await p.close(); }
  }
  let p;
  try { p = await createEmulatorPlatform({ stateDir: cfg.emulator.stateDir, spawnService: false, connectTimeoutMs: 2000 }); } catch { return []; }
  try {
    return (await p.compute.enumerateComputeSystems({ Owners: ['wincri'] })).filter((s) => s.State === 'Running').map((s) => ({ id: s.Id ?? '?', pod: '?' }));
  } finally { await p.close(); }
}

export async function shutdownCommand(argv: string[]): Promise<void> {
  const f = parseFlags(argv);
  if (f.help) return void console.log(SHUTDOWN_HELP);
  const cfg = loadConfig(f.config, { root: f.root ? resolve(f.root) : undefined, endpoint: f.endpoint });
  const daemonPid = livePid(daemonPidFile(cfg), 'serve');
  const cri = daemonPid !== undefined ? criClient(cfg.endpoint) : undefined;
  try {
    if (f.containers) {
      let n: number;
      if (cri) {
        n = await removeAllPods(async () => (await cri.call('ListPodSandbox', {})).items.map((p: { id: string }) => p.id),
          async (id) => { await cri.call('StopPodSandbox', { podSandboxId: id }); }, async (id) => { await cri.call('RemovePodSandbox', { podSandboxId: id }); });
      } else {
        // No daemon: open the runtime on this root here (it recovers state first, as the daemon would).
        const { startDaemon } = await import('../daemon/wire.js');
        const d = await startDaemon(cfg);
        try {
          n = await removeAllPods(async () => d.runtime.listPodSandbox().map((p) => p.id), (id) => d.runtime.stopPodSandbox(id), (id) => d.runtime.removePodSandbox(id));
        } finally { await d.close(); }
      }
      console.log(`removed ${n} pod${n === 1 ? '' : 's'} and their containers`);
    } else {
      const running: Running[] = cri
        ? (await cri.call('ListContainers', { filter: { state: { state: 'CONTAINER_RUNNING' } } })).containers.map((c: { id: string; podSandboxId: string }) => ({ id: c.id, pod: c.podSandboxId }))
        : await runningWithoutDaemon(cfg);
      if (running.length > 0) {
        const names = running.slice(0, 10).map((r) => (r.pod === '?' ? r.id.slice(0, 13) : `${r.id.slice(0, 13)} (pod ${r.pod.slice(0, 13)})`)).join(', ');
        console.error(`wincri: ${running.length} container${running.length === 1 ? ' is' : 's are'} still running: ${names}${running.length > 10 ? ', …' : ''}.\n` +
          'The IO keeper holds their stdio and the emulator service runs them, so neither can stop yet. Stop them first\n' +
          '(crictl stopp/rmp, or kubelet draining the node), or run "wincri shutdown --containers" to stop and remove every pod.');
        process.exitCode = 1;
        return;
      }
    }
  } finally {
    cri?.close();
  }
  const stopped: string[] = [];
  const daemonNow = livePid(daemonPidFile(cfg), 'serve');
  if (daemonNow) { await stopPid(daemonNow, 'the daemon'); stopped.push(`daemon (pid ${daemonNow})`); }
  const keeperPid = livePid(keeperPaths(cfg).pidFile, 'io-keeper');
  if (keeperPid) { await stopPid(keeperPid, 'the IO keeper'); stopped.push(`IO keeper (pid ${keeperPid})`); }
  if (cfg.backend === 'emulator') {
    const emuPid = livePid(join(cfg.emulator.stateDir, 'service.pid'), '--state');
    await stopEmulatorService(cfg.emulator.stateDir);
    if (emuPid) stopped.push(`emulator service (pid ${emuPid}; its Linux networking removed)`);
  }
  console.log(stopped.length ? `stopped: ${stopped.join(', ')}` : 'nothing was running');
}
