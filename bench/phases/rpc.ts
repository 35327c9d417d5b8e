/**
 * Cheap RPC latency: Version p50 of every target and of the floor — the same call against a do-nothing grpc-js
 * server (bench/phases/floor-server.ts) in a child process, with grpc-js's defaults and with channelz off as the
 * daemon runs. The calls are interleaved in blocks (BLOCK back-to-back calls to one endpoint after 50 unrecorded
 * ones, then the next endpoint, the order rotating each round), so that on a shared, noisy machine every endpoint
 * sees the same load over the run. Measured one endpoint after the other instead, the figures drifted with the
 * machine's load by ±20 % between endpoints of one run.
 */
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import { summarize } from '../lib/stats.js';
import { call, criClients } from '../targets/client.js';

const BLOCK = 500;

/** Version p50 (ms) of each client, about `n` calls each after 50 warm-up calls, interleaved in blocks. */
export async function versionP50s(clients: grpc.Client[], n: number): Promise<number[]> {
  for (const c of clients) for (let i = 0; i < 50; i++) await call(c, 'Version', {});
  const s: number[][] = clients.map(() => []);
  const block = Math.min(BLOCK, n);
  for (let round = 0; round * block < n; round++) {
    for (let k = 0; k < clients.length; k++) {
      const j = (round + k) % clients.length;
      for (let i = 0; i < 50; i++) await call(clients[j]!, 'Version', {}); // the switch's wake-up is not a sample
      for (let i = 0; i < block; i++) {
        const a = performance.now();
        await call(clients[j]!, 'Version', {});
        s[j]!.push(performance.now() - a);
      }
    }
  }
  return s.map((x) => summarize(x).p50);
}

export interface Floor { runtime: grpc.Client; stop(): void }

/** Starts the do-nothing RuntimeService on a unix socket (`channelz` false: with channelz off). */
export async function startFloor(channelz: boolean): Promise<Floor> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-floor-'));
  const sock = join(dir, 'floor.sock');
  const child = spawn(process.execPath, [fileURLToPath(new URL('./floor-server.js', import.meta.url)), sock, ...(channelz ? [] : ['no-channelz'])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => { child.kill(); rmSync(dir, { recursive: true, force: true }); };
  try {
    await new Promise<void>((res, rej) => { child.stdout!.once('data', () => res()); child.once('exit', (c) => rej(new Error(`floor server exited ${c}`))); });
  } catch (e) { stop(); throw e; }
  const { runtime, image } = criClients(`unix://${sock}`);
  image.close();
  return { runtime, stop: () => { runtime.close(); stop(); } };
}

/** Version p50 of every target and of both floors, interleaved (see the top of this file). */
export async function versionPhase(targets: grpc.Client[], n: number): Promise<{ targets: number[]; floor: { defaults: number; noChannelz: number } }> {
  const floors = [await startFloor(true)];
  try {
    floors.push(await startFloor(false));
    const p = await versionP50s([...targets, ...floors.map((f) => f.runtime)], n);
    return { targets: p.slice(0, targets.length), floor: { defaults: p[targets.length]!, noChannelz: p[targets.length + 1]! } };
  } finally { for (const f of floors) f.stop(); }
}
