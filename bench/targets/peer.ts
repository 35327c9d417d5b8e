/**
 * A peer CRI runtime as a bench target: an endpoint given with --peer (started by hand), or Debian's containerd
 * started here (peer/containerd.ts). Its processes are containerd and its shims (found by the socket path on their
 * command line); for a peer given by endpoint, `--peer-pids "1 2 3"` or the socket's listening process.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';

import type { Target } from '../target.js';
import { criClients, call } from './client.js';
import { startContainerd } from '../peer/containerd.js';
import { pidsWithCmdline } from '../lib/procs.js';

function socketOwners(socket: string): number[] {
  const out = spawnSync('ss', ['-xlpn'], { encoding: 'utf8' }).stdout ?? '';
  const line = out.split('\n').find((l) => l.includes(socket));
  return [...(line?.matchAll(/pid=(\d+)/g) ?? [])].map((m) => Number(m[1]));
}

async function asTarget(name: string, endpoint: string, registryHost: string, pids: () => number[], stop: () => Promise<void>): Promise<Target> {
  const { runtime, image } = criClients(endpoint);
  const workImage = `${registryHost}/bench/busybox:1`;
  await call(image, 'PullImage', { image: { image: workImage } }, 120_000);
  const logRoot = mkdtempSync('/tmp/peer-bench-logs-');
  mkdirSync(logRoot, { recursive: true });
  return {
    name, endpoint, runtime, image, workImage, logRoot, pids,
    stop: async () => { runtime.close(); image.close(); await stop(); spawnSync('rm', ['-rf', logRoot]); },
  };
}

export async function startContainerdTarget(registryHost: string): Promise<Target> {
  const c = await startContainerd(registryHost);
  try {
    return await asTarget('containerd', c.endpoint, registryHost,
      () => [c.proc.pid!, ...pidsWithCmdline(`-address\0${c.socket}`)], () => c.stop());
  } catch (e) {
    console.error(c.log());
    await c.stop();
    throw e;
  }
}

export async function peerTarget(endpoint: string, registryHost: string, pidList?: string): Promise<Target> {
  const socket = endpoint.replace(/^unix:\/\//, '');
  const fixed = pidList?.split(/[ ,]+/).filter(Boolean).map(Number);
  return asTarget('peer', endpoint, registryHost, () => fixed ?? [...socketOwners(socket), ...pidsWithCmdline(`-address\0${socket}`)], async () => undefined);
}

