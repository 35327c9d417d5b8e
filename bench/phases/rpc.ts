/**
 * Cheap RPC latency: Version p50 over many sequential calls, and the floor — the same call against a do-nothing
 * grpc-js server on a unix socket in this process's own child (so it does not share the client's event loop).
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

export async function versionP50(client: grpc.Client, n: number): Promise<number> {
  for (let i = 0; i < 50; i++) await call(client, 'Version', {});
  const s: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    await call(client, 'Version', {});
    s.push(performance.now() - a);
  }
  return summarize(s).p50;
}

/**
 * Version p50 of a do-nothing grpc-js RuntimeService (bench/phases/floor-server.ts) on a unix socket, with
 * grpc-js's default options or (`channelz` false) with channelz off as the daemon runs.
 */
export async function floorP50(n: number, channelz = true): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-floor-'));
  const sock = join(dir, 'floor.sock');
  const child = spawn(process.execPath, [fileURLToPath(new URL('./floor-server.js', import.meta.url)), sock, ...(channelz ? [] : ['no-channelz'])], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((res, rej) => { child.stdout!.once('data', () => res()); child.once('exit', (c) => rej(new Error(`floor server exited ${c}`))); });
    const { runtime, image } = criClients(`unix://${sock}`);
    try { return await versionP50(runtime, n); } finally { runtime.close(); image.close(); }
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
