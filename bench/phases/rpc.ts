/**
 * Cheap RPC latency: Version p50 of every target and of the floor — the same call against a do-nothing grpc-js
 * server (bench/phases/floor-server.ts) in a child process, with grpc-js's defaults and with channelz off as the
 * daemon runs. The calls are interleaved in blocks (BLOCK back-to-back calls to one endpoint after 50 unrecorded
 * ones, then the next endpoint, the order rotating each round), so that on a shared, noisy machine every endpoint
 * sees the same load over the run. Measured one endpoint after the other instead, the figures drifted with the
 * machine's load by ±20 % between endpoints of one run.
 *
 * Before the first block every endpoint gets the same `warmup` unrecorded calls (3000 by default, as the steady
 * phase's relists): a runtime is measured as kubelet meets it after its first minutes, not in its first 2000 calls.
 * A JIT-compiled runtime (wincri, the floors) is still compiling its call path then: with 50 warm-up calls the
 * daemon's V8 compiled 28, 26, 10, 11, 3, 1 functions for TurboFan in consecutive 550-call blocks, and its compiler
 * thread cost 67–91 µs of CPU per call on the other core of a 2-core host. A compiled runtime (containerd) is the
 * same after 50 calls or 3000.
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
import { OWN_SESSION } from '../lib/session.js';

const BLOCK = 500;
export const WARMUP = 3000;

/** Version p50 (ms) of each client, about `n` calls each after `warmup` unrecorded calls each, interleaved in blocks. */
export async function versionP50s(clients: grpc.Client[], n: number, warmup = WARMUP): Promise<number[]> {
  for (const c of clients) for (let i = 0; i < warmup; i++) await call(c, 'Version', {});
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

export interface Floor { runtime: grpc.Client; pid: number; stop(): void }

/**
 * Starts the do-nothing RuntimeService on a unix socket (`channelz` false: with channelz off), in a session (and
 * scheduling group) of its own as every target runs (../lib/session.ts). In the client's session a bare server
 * answered faster than in a session of its own (session 14: 0.31–0.32 ms against 0.39–0.40), so the floor was a
 * lower bar than the runtimes were held to.
 */
export async function startFloor(channelz: boolean): Promise<Floor> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-floor-'));
  const sock = join(dir, 'floor.sock');
  const child = spawn(process.execPath, [fileURLToPath(new URL('./floor-server.js', import.meta.url)), sock, ...(channelz ? [] : ['no-channelz'])], { stdio: ['pipe', 'pipe', 'inherit'], ...OWN_SESSION });
  child.stdin!.on('error', () => undefined); // its end is the floor's signal to go (floor-server.ts)
  const stop = () => { child.kill(); rmSync(dir, { recursive: true, force: true }); };
  try {
    await new Promise<void>((res, rej) => { child.stdout!.once('data', () => res()); child.once('exit', (c) => rej(new Error(`floor server exited ${c}`))); });
  } catch (e) { stop(); throw e; }
  const { runtime, image } = criClients(`unix://${sock}`);
  image.close();
  return { runtime, pid: child.pid!, stop: () => { runtime.close(); stop(); } };
}

/** Version p50 of every target and of both floors, interleaved (see the top of this file). */
export async function versionPhase(targets: grpc.Client[], n: number, warmup = WARMUP): Promise<{ targets: number[]; floor: { defaults: number; noChannelz: number } }> {
  const floors = [await startFloor(true)];
  try {
    floors.push(await startFloor(false));
    const p = await versionP50s([...targets, ...floors.map((f) => f.runtime)], n, warmup);
    return { targets: p.slice(0, targets.length), floor: { defaults: p[targets.length]!, noChannelz: p[targets.length + 1]! } };
  } finally { for (const f of floors) f.stop(); }
}
