/**
 * Debian's containerd (+ runc, CNI bridge from containernetworking-plugins) as a benchmark peer, with a private
 * root, state, socket and CNI configuration under a temp dir. bench/peer/install.sh installs the packages.
 *
 * The CRI plugin pulls its sandbox image and the work image from the bench's local registry (a plain-HTTP
 * mirror entry); `restrict_oom_score_adj = true` because this sandbox lacks CAP_SYS_RESOURCE. The snapshotter is
 * overlayfs unless overlay mounts fail here (then native).
 *
 * By hand: `node dist/bench/peer/containerd.js` starts a registry with the images and the peer, prints its
 * endpoint for `npm run bench -- --peer unix:///…`, and stops everything on Ctrl-C.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { OWN_SESSION } from '../lib/session.js';
import { mkdtempSync, mkdirSync, writeFileSync, openSync, closeSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeSubnet } from '../../test/helpers/netns.js';
import { startRegistry } from '../../test/helpers/registry.js';
import { pushPeerImages } from './images.js';
import { sleep } from '../lib/stats.js';
import { pidsWithCmdline } from '../lib/procs.js';
import { ensureInotifyRoom, inotifyAdvice, outOfInotify } from './inotify.js';

export interface Containerd { dir: string; socket: string; endpoint: string; proc: ChildProcess; bridge: string; log(): string; stop(): Promise<void> }

export function containerdAvailable(): boolean {
  return ['containerd', 'runc', 'containerd-shim-runc-v2'].every((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0)
    && spawnSync('test', ['-x', '/usr/lib/cni/bridge']).status === 0;
}

function overlayWorks(dir: string): boolean {
  const d = join(dir, 'ovl-probe');
  for (const s of ['l', 'u', 'w', 'm']) mkdirSync(join(d, s), { recursive: true });
  const r = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${d}/l,upperdir=${d}/u,workdir=${d}/w`, `${d}/m`]);
  if (r.status === 0) spawnSync('umount', [`${d}/m`]);
  rmSync(d, { recursive: true, force: true });
  return r.status === 0;
}

/** Starts containerd and waits for its socket; rejects with its log when it exits or does not come up. */
async function launch(config: string, socket: string, logFile: string, log: () => string): Promise<ChildProcess> {
  rmSync(socket, { force: true }); // a failed first try's: the socket must be this one's
  const out = openSync(logFile, 'a');
  const proc = spawn('containerd', ['--config', config, '--log-level', 'warn'], { stdio: ['ignore', out, out], ...OWN_SESSION }); // apart from the client's scheduling group (../lib/session.ts)
  closeSync(out);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`containerd exited ${proc.exitCode}:\n${log()}`);
    if (spawnSync('test', ['-S', socket]).status === 0) {
      // A CRI plugin that could not make its watchers is skipped with a warning and containerd serves without it.
      if (!outOfInotify(log())) return proc;
      proc.kill('SIGKILL');
      await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r(undefined) : proc.once('exit', r)));
      throw new Error(`containerd started without its CRI plugin:\n${log()}`);
    }
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`containerd did not start:\n${log()}`); }
    await sleep(100);
  }
}

export async function startContainerd(registryHost: string): Promise<Containerd> {
  const dir = mkdtempSync('/tmp/ctrd-bench-');
  const socket = join(dir, 'containerd.sock');
  const cniDir = join(dir, 'cni');
  mkdirSync(cniDir);
  const sub = freeSubnet();
  const bridge = `cbench${sub.base.split('.')[2]}`;
  writeFileSync(join(cniDir, '10-bench.conflist'), JSON.stringify({
    cniVersion: '0.4.0', name: 'bench',
    plugins: [{ type: 'bridge', bridge, isGateway: true, ipMasq: false, hairpinMode: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: sub.prefix.replace(/\.0\/24$/, '.0/24') }]], dataDir: join(dir, 'ipam') } }],
  }, null, 1));
  const snapshotter = overlayWorks(dir) ? 'overlayfs' : 'native';
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  writeFileSync(join(dir, 'config.toml'), `version = 2
root = "${dir}/root"
state = "${dir}/state"
[grpc]
  address = "${socket}"
[ttrpc]
  address = "${dir}/ttrpc.sock"
[${cri}]
  sandbox_image = "${registryHost}/bench/pause:1"
  restrict_oom_score_adj = true
  enable_cdi = false
  [${cri}.containerd]
    snapshotter = "${snapshotter}"
    default_runtime_name = "runc"
    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [${cri}.cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${cniDir}"
    max_conf_num = 1
  [${cri}.registry.mirrors."${registryHost}"]
    endpoint = ["http://${registryHost}"]
`);
  const logFile = join(dir, 'containerd.log');
  const log = () => { try { return readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n'); } catch { return ''; } };
  for (const line of ensureInotifyRoom()) console.error(`bench peer: ${line}`);
  let proc = await launch(join(dir, 'config.toml'), socket, logFile, log).catch((e: Error) => e);
  if (proc instanceof Error && outOfInotify(proc.message)) {
    // Another process took the room meanwhile (the limits are per user, host-wide): once more, then say why.
    console.error('bench peer: containerd failed with "too many open files"; retrying once');
    for (const line of ensureInotifyRoom()) console.error(`bench peer: ${line}`);
    writeFileSync(logFile, '');
    proc = await launch(join(dir, 'config.toml'), socket, logFile, log).catch((e: Error) => e);
    if (proc instanceof Error && outOfInotify(proc.message)) throw new Error(inotifyAdvice(log()));
  }
  if (proc instanceof Error) throw proc;
  const started = proc;
  return {
    dir, socket, endpoint: `unix://${socket}`, proc: started, bridge, log,
    stop: async () => {
      if (started.exitCode === null) {
        const exited = new Promise((r) => started.once('exit', r));
        started.kill('SIGTERM');
        await Promise.race([exited, sleep(10_000)]);
        if (started.exitCode === null) started.kill('SIGKILL');
      }
      // Whatever the CRI teardown left: shims of this instance, mounts under its root, its bridge.
      // (No shell pipeline here: a `pgrep -f` of the socket path would match that shell itself.)
      for (const pid of pidsWithCmdline(`-address\0${socket}`)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
      const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${dir}/`));
      for (const m of mounts.sort().reverse()) spawnSync('umount', ['-l', m]);
      spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const reg = await startRegistry();
  await pushPeerImages(reg.url);
  const c = await startContainerd(reg.host);
  console.log(`containerd peer: ${c.endpoint} (registry ${reg.host}, work image ${reg.host}/bench/busybox:1)`);
  console.log(`run: npm run bench -- --peer ${c.endpoint} --peer-registry ${reg.host}   (Ctrl-C stops the peer)`);
  const stop = async () => { await c.stop(); await reg.stop(); process.exit(0); };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
