/**
 * `npm run bench` — daemon restart → ready, with running pods (issue 8 §2).
 *
 * Starts the real daemon on the emulator backend, runs --recovery-pods pods (default 110, kubelet's default
 * max-pods) with one running container each, then restarts the daemon --restarts times (default 5; SIGTERM, and
 * the same number with SIGKILL) while the IO keeper, the emulator service and the containers keep running. For
 * each restart it measures, from the spawn of the new `wincri serve`:
 *   - socket: the endpoint exists;
 *   - images: the first ListImages that succeeds (ImageService RPCs are served while containers are recovered);
 *   - ready: the first ListContainers that succeeds (the runtime has reconciled every container);
 * and checks that every container is still running afterwards. Probes are issued back to back, one at a time.
 * kubelet's runtime-request-timeout (2 min by default) is the bound "ready" has to stay well under.
 */
import { spawn } from 'node:child_process';
import { statSync, mkdirSync, openSync, closeSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { Daemon, call, podConfig, CLI } from '../test/e2e/harness.js';
import { buildWindowsImage } from '../test/helpers/image-builder.js';
import { loadCri } from '../src/cri/proto.js';
import { intFlag } from './lib/flags.js';

const IMAGE = 'example.com/wincri/bench-recovery:1.0';
const MARKER = `100001.${process.pid}`;

/** CNI plugin (POSIX sh, no networking): an address derived from CNI_CONTAINERID; everything else succeeds. */
const CNI_PLUGIN = `#!/bin/sh
cat >/dev/null
case "$CNI_COMMAND" in
VERSION) printf '{"cniVersion":"1.0.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0"]}' ;;
ADD)
  id=$CNI_CONTAINERID; h=\${id%"\${id#??????}"}; n=$((0x$h))
  printf '{"cniVersion":"1.0.0","ips":[{"address":"10.%d.%d.%d/8"}],"dns":{}}' $(((n >> 16) & 255)) $(((n >> 8) & 255)) $(((n & 255) | 1)) ;;
esac
exit 0
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample { socket: number; images: number; ready: number; unavailable: number }

/** Spawns `wincri serve` for `d` and probes it back to back until ListContainers succeeds. */
async function restart(d: Daemon, how: 'SIGTERM' | 'SIGKILL'): Promise<Sample> {
  if (how === 'SIGKILL') await d.kill9(); else await d.stop();
  // After SIGKILL the old socket file stays until the new daemon replaces it: wait for a new file (inode numbers
  // are reused, change times are not).
  const inode = () => { try { const s = statSync(d.socket, { bigint: true }); return `${s.ino}:${s.ctimeNs}`; } catch { return undefined; } };
  const stale = inode();
  const out = openSync(d.logFile, 'a');
  const t0 = performance.now();
  d.proc = spawn(process.execPath, [CLI, 'serve', '--config', d.configFile, '--root', d.root, '--endpoint', d.endpoint, '--log-level', 'info'], { stdio: ['ignore', out, out] });
  closeSync(out);
  const proc = d.proc;
  const deadline = Date.now() + 120_000;
  const alive = () => { if (proc.exitCode !== null) throw new Error(`daemon exited with ${proc.exitCode}:\n${d.log()}`); if (Date.now() > deadline) throw new Error('daemon not ready within 2 min'); };
  for (let i = inode(); i === undefined || i === stale; i = inode()) { alive(); await sleep(1); }
  const socket = performance.now() - t0;
  const cri = loadCri();
  // A local subchannel pool: grpc-js would otherwise share the previous daemon's failed connection (and its
  // reconnect back-off) across clients of the same address.
  const opts = { 'grpc.use_local_subchannel_pool': 1 };
  d.runtime = new cri.runtime.v1.RuntimeService(`unix:${d.socket}`, grpc.credentials.createInsecure(), opts) as unknown as grpc.Client;
  d.image = new cri.runtime.v1.ImageService(`unix:${d.socket}`, grpc.credentials.createInsecure(), opts) as unknown as grpc.Client;
  let images = NaN;
  let unavailable = 0;
  for (;;) {
    alive();
    if (Number.isNaN(images)) {
      try { await call(d.image, 'ListImages', {}, 5000); images = performance.now() - t0; } catch { /* connecting */ }
    }
    try {
      await call(d.runtime, 'ListContainers', {}, 5000);
      return { socket, images: Number.isNaN(images) ? performance.now() - t0 : images, ready: performance.now() - t0, unavailable };
    } catch (e) {
      const err = e as grpc.ServiceError;
      if (err.code === grpc.status.UNAVAILABLE && /starting/.test(err.details)) unavailable++;
    }
  }
}

export async function benchRecovery(): Promise<string> {
  const PODS = intFlag('recovery-pods', 110);
  const RESTARTS = intFlag('restarts', 5);
  const d = new Daemon('wincri-bench-recovery', { network: { conf: { cniVersion: '1.0.0', name: 'bench', plugins: [{ type: 'bench-net' }] } } });
  writeFileSync(join(d.cniBinDir, 'bench-net'), CNI_PLUGIN);
  chmodSync(join(d.cniBinDir, 'bench-net'), 0o755);
  try {
    await d.start(['--log-level', 'info']);
    const tar = await buildWindowsImage({ dir: d.dir, names: [IMAGE], format: 'oci', layers: [{ 'app/x.txt': 'x\n' }], config: { Cmd: ['sh', '-c', 'sleep 100000'] } });
    const imageId = d.importImage(tar).split('\t')[0]!.trim();
    const fill0 = performance.now();
    for (let i = 0; i < PODS; i++) {
      const config = podConfig(`rec-${i}`, join(d.logDir, `rec-${i}`));
      mkdirSync(config.logDirectory, { recursive: true });
      const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config });
      const { containerId } = await call(d.runtime, 'CreateContainer', {
        podSandboxId, sandboxConfig: config,
        config: { metadata: { name: 'c0', attempt: 0 }, image: { image: imageId }, command: ['sh', '-c', `exec sleep ${MARKER}`], logPath: 'c0.log' },
      });
      await call(d.runtime, 'StartContainer', { containerId });
    }
    const fillMs = performance.now() - fill0;
    const rows: string[] = [];
    for (const how of ['SIGTERM', 'SIGKILL'] as const) {
      const samples: Sample[] = [];
      for (let i = 0; i < RESTARTS; i++) {
        samples.push(await restart(d, how));
        const running = (await call(d.runtime, 'ListContainers', { filter: { state: { state: 'CONTAINER_RUNNING' } } })).containers.length;
        if (running !== PODS) throw new Error(`after a ${how} restart ${running} of ${PODS} containers are running`);
      }
      const f = (k: keyof Sample) => {
        const v = samples.map((s) => s[k]).sort((a, b) => a - b);
        return `${v[Math.floor(v.length / 2)]!.toFixed(0).padStart(6)} ${v[v.length - 1]!.toFixed(0).padStart(6)}`;
      };
      rows.push(`${`restart after ${how}`.padEnd(22)} ${f('socket')}   ${f('images')}   ${f('ready')}   ${String(samples.reduce((n, s) => n + s.unavailable, 0)).padStart(6)}`);
    }
    return [
      `daemon restart → ready, ${PODS} pods × 1 running container (${RESTARTS} restarts each; started in ${(fillMs / 1000).toFixed(1)} s)`,
      `ms from spawn (median, max)   socket          ListImages OK   ListContainers OK   "starting" answers`,
      ...rows,
      `(kubelet's runtime-request-timeout is 120000 ms)`,
    ].join('\n');
  } finally {
    if (process.env.WINCRI_BENCH_LOG) console.error(d.log());
    await d.destroy();
  }
}
