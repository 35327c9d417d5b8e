import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulatorPlatform, type EmulatorPlatform } from '../../../../src/platform/emulator/index.js';
import { stopEmulatorService } from '../../../../src/platform/emulator/service-stop.js';
import { isolationFacts } from '../../../../src/platform/emulator/service/isolation.js';
import type { ComputeSystemDoc } from '../../../../src/platform/hcs/schema/index.js';
import { waitFor } from '../../../helpers/wait-for.js';

export { rejectsWith, readAll } from '../../../helpers/platform.js';

export interface Env { dir: string; platform: EmulatorPlatform; extra: EmulatorPlatform[]; cleanup(): Promise<void> }

/** A fresh state dir with its own emulator service; cleanup stops the service (terminating all systems). */
export async function setup(): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-emu-'));
  // Before the service exists: a test process killed before its after-hooks still stops it (service-reaper.ts).
  const reaper = spawnReaper(join(dir, 'state'), dir);
  const platform = await createEmulatorPlatform({ stateDir: join(dir, 'state') });
  const env: Env = {
    dir, platform, extra: [],
    async cleanup() {
      for (const p of [platform, ...env.extra]) await p.close();
      await stopEmulatorService(join(dir, 'state'), { removingStateDir: true });
      rmSync(dir, { recursive: true, force: true });
      reaper.end('done\n');
    },
  };
  return env;
}

function spawnReaper(stateDir: string, dir: string): Socket {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [fileURLToPath(new URL('./service-reaper.js', import.meta.url)), stateDir, dir],
    { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env });
  child.on('error', () => undefined);
  child.unref();
  const pipe = child.stdin as Socket;
  pipe.on('error', () => undefined);
  pipe.unref();
  return pipe;
}

export async function another(env: Env): Promise<EmulatorPlatform> {
  const p = await createEmulatorPlatform({ stateDir: join(env.dir, 'state') });
  env.extra.push(p);
  return p;
}

export const containerDoc = (extra: Record<string, unknown> = {}): ComputeSystemDoc =>
  ({ SchemaVersion: { Major: 2, Minor: 1 }, Owner: 'wincri-test', Container: { ...extra } }) as ComputeSystemDoc;

export function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

export async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  await waitFor('a condition of the emulator test', cond, { timeoutMs: ms });
}

/** The emulator service's forget grace (WINCRI_EMULATOR_FORGET_GRACE_MS) for services this test starts; restored after it. */
export function withForgetGrace(t: TestContext, ms: number): void {
  const before = process.env.WINCRI_EMULATOR_FORGET_GRACE_MS;
  process.env.WINCRI_EMULATOR_FORGET_GRACE_MS = String(ms);
  t.after(() => { if (before === undefined) delete process.env.WINCRI_EMULATOR_FORGET_GRACE_MS; else process.env.WINCRI_EMULATOR_FORGET_GRACE_MS = before; });
}

/** A test's skip where the emulator cannot isolate processes here (why not), else false. */
export function noIsolation(): string | false {
  const facts = isolationFacts();
  return facts.Enabled ? false : `no isolation here: ${facts.Reason}`;
}

/** Writes `d` to `s`, resolved once the stream took it. */
export const put = (s: Writable, d: string) => new Promise<void>((res, rej) => s.write(d, (e) => (e ? rej(e) : res())));
