/**
 * End to end, issue 8 §4 (root only: real Linux networking): a fresh root with an empty CNI conf dir runs pods
 * on the built-in default network (wincri's nat plugin, resolved from the package), with the container's log
 * sub-directory and missing working directory created; `wincri shutdown` refuses while a container runs, then
 * stops daemon, IO keeper and emulator service leaving no process, network namespace, veth, bridge or nftables
 * table; a network with the same subnet is built for real again afterwards; `wincri shutdown --containers`
 * removes every pod without a running daemon.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, CLI, call, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';
import { rootNetworkingSkipReason, tcpGet, labelledObjects } from '../helpers/netns.js';
import { createEmulatorPlatform } from '../../src/platform/emulator/index.js';
import { netnsName, vethName, bridgeName, tableName, parseCidr } from '../../src/platform/emulator/service/linuxnet.js';
import { defaults } from '../../src/config/config.js';

const DEFAULT_SUBNET = defaults('linux').cni.defaultNetwork.subnet;
const routed = () => spawnSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' }).stdout.includes(`${DEFAULT_SUBNET.split('.').slice(0, 3).join('.')}.`);
const skip = rootNetworkingSkipReason() || (routed() ? `the default subnet ${DEFAULT_SUBNET} is already routed on this host` : false);
const IMAGE = 'example.com/wincri/first-run:1';
const MARKER = `first-run-${process.pid}-${Date.now()}`;
const SERVER = `console.log('cwd=' + process.cwd()); require('net').createServer((s)=>{s.on('error',()=>{});s.end(process.argv[2]);}).listen(8080,'0.0.0.0');`;

let d: Daemon;
let imageId = '';

before(async () => {
  if (skip) return;
  // No CNI configuration and no plugin directory of the package in binDirs: the default network must still work.
  d = new Daemon('wincri-first-run', { network: 'none' });
  await d.start();
  const tar = await buildWindowsImage({ dir: d.dir, names: [IMAGE], format: 'oci', layers: [{ 'app/server.js': SERVER }], config: { Cmd: ['sh'] } });
  imageId = d.importImage(tar).split('\t')[0]!.trim();
});
after(async () => { await d?.destroy(); });

const inSubnet = (ip: string) => {
  const net = parseCidr(DEFAULT_SUBNET)!;
  const n = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  return Math.floor(n / 2 ** (32 - net.prefix)) === Math.floor(net.base / 2 ** (32 - net.prefix));
};

async function runPod(name: string) {
  const config = podConfig(name, join(d.logDir, name));
  const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config }); // the log directory is not created here
  const st = await call(d.runtime, 'PodSandboxStatus', { podSandboxId, verbose: true });
  return { id: podSandboxId as string, config, ip: st.status.network?.ip as string, namespaceId: JSON.parse(st.info.info).namespaceId as string };
}

/** A server whose working directory is not in the image and whose log lives in a sub-directory that does not exist. */
async function runServer(pod: Awaited<ReturnType<typeof runPod>>): Promise<{ id: string; log: string }> {
  const { containerId } = await call(d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, sandboxConfig: pod.config,
    config: { metadata: { name: 'srv' }, image: { image: imageId }, command: ['node', '../../server.js', MARKER], workingDir: 'C:\\app\\work\\here', logPath: 'srv/attempt/0.log' },
  });
  await call(d.runtime, 'StartContainer', { containerId });
  return { id: containerId as string, log: join(pod.config.logDirectory, 'srv', 'attempt', '0.log') };
}

async function reach(ip: string): Promise<string> {
  for (let i = 0; ; i++) {
    try { return await tcpGet(undefined, ip, 8080); } catch (e) { if (i >= 50) throw e; }
    await new Promise((r) => setTimeout(r, 100)); // the server may still be starting
  }
}

function shutdown(...args: string[]): { status: number; out: string } {
  const r = spawnSync(process.execPath, [CLI, 'shutdown', '--config', d.configFile, '--root', d.root, '--endpoint', d.endpoint, ...args], { encoding: 'utf8' });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** Processes of this root (daemon, IO keeper, emulator service) or running this test's containers. */
function ourProcesses(): string[] {
  const out: string[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(d.dir) || cmd.includes(MARKER)) out.push(`${p}: ${cmd.slice(0, 160)}`);
    } catch { /* gone */ }
  }
  return out;
}

async function linuxObjectsOf(): Promise<string[]> {
  const platform = await createEmulatorPlatform({ stateDir: join(d.root, 'emulator'), spawnService: false });
  try {
    const nets = await platform.network.enumerateNetworks();
    const eps = await platform.network.enumerateEndpoints();
    const nss = await platform.network.enumerateNamespaces();
    return [...nets.flatMap((n) => [bridgeName(n.ID!), tableName(n.ID!)]), ...eps.map((e) => vethName(e.ID!)), ...nss.map((n) => netnsName(n.ID!))];
  } finally { await platform.close(); }
}

function leftOf(names: string[]): string[] {
  const l = labelledObjects();
  return names.filter((n) => l.netns.includes(n) || l.links.includes(n) || l.tables.includes(n));
}

test('fresh root, empty CNI conf dir: pods get real networking on the default network; log sub-directory and working directory are created; shutdown cleans up', { skip }, async () => {
  const st = await call(d.runtime, 'Status', {});
  for (const t of ['RuntimeReady', 'NetworkReady', 'EmulatorNetworking']) {
    const c = st.status.conditions.find((x: { type: string }) => x.type === t);
    assert.equal(c?.status, true, `${t}: ${c?.message}`);
  }
  assert.deepEqual(readdirSync(d.cniConfDir), [], 'nothing was written into the conf dir');

  const a = await runPod('fr-a');
  const b = await runPod('fr-b'); // no containers: only its network namespace and veth
  for (const p of [a, b]) assert.ok(inSubnet(p.ip), `pod IP ${p.ip} is in ${DEFAULT_SUBNET}`);
  const srv = await runServer(a);
  assert.equal(await reach(a.ip), MARKER, 'host → pod over the default network');
  const log = readFileSync(srv.log, 'utf8');
  // C:\app\work\here: below the container root on the host, or /app/work/here where the emulator isolates (C:\ is /).
  assert.match(log, /stdout F cwd=\/(.*\/)?app\/work\/here\n/, 'the process ran in the created working directory');
  const objects = await linuxObjectsOf();
  assert.equal(objects.length, 2 + 2 + 2, `bridge, table, 2 veths, 2 namespaces: ${objects.join(' ')}`);
  assert.deepEqual(leftOf(objects).sort(), [...objects].sort(), 'they exist on the host');

  // A running container: shutdown refuses and names it.
  const refused = shutdown();
  assert.equal(refused.status, 1, refused.out);
  assert.match(refused.out, new RegExp(`1 container is still running: ${srv.id.slice(0, 13)} \\(pod ${a.id.slice(0, 13)}\\)[\\s\\S]*wincri shutdown --containers`));
  assert.equal(await reach(a.ip), MARKER, 'nothing was stopped');

  // No container running: daemon, keeper and emulator stop; the emulator removes its Linux networking.
  await call(d.runtime, 'StopContainer', { containerId: srv.id, timeout: 5 });
  const ok = shutdown();
  assert.equal(ok.status, 0, ok.out);
  assert.match(ok.out, /stopped: daemon \(pid \d+\), IO keeper \(pid \d+\), emulator service/);
  await new Promise((r) => d.proc!.exitCode !== null ? r(null) : d.proc!.once('exit', r));
  assert.deepEqual(ourProcesses(), []);
  assert.deepEqual(leftOf(objects), [], 'no namespace, veth, bridge or nftables table left');
  assert.ok(!existsSync(join(d.root, 'daemon.pid')));

  // Start again: the pods lost their network (NOTREADY); a new pod's network with the same subnet is real again.
  await d.start();
  for (const p of [a, b]) assert.equal((await call(d.runtime, 'PodSandboxStatus', { podSandboxId: p.id })).status.state, 'SANDBOX_NOTREADY');
  const c = await runPod('fr-c');
  assert.ok(inSubnet(c.ip));
  await runServer(c);
  assert.equal(await reach(c.ip), MARKER, 'the re-created default network carries packets');
  const st2 = await call(d.runtime, 'Status', {});
  assert.equal(st2.status.conditions.find((x: { type: string }) => x.type === 'EmulatorNetworking')?.status, true);
  const objects2 = await linuxObjectsOf();

  // --containers with no daemon running: pods removed directly, then everything stops.
  await d.stop();
  const all = shutdown('--containers');
  assert.equal(all.status, 0, all.out);
  assert.match(all.out, /removed 3 pods and their containers/);
  assert.deepEqual(ourProcesses(), []);
  assert.deepEqual(leftOf(objects2), [], 'no namespace, veth, bridge or nftables table left');
});
