/** Stopping the emulator service of a state directory (tests, `wincri shutdown`). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmulatorClient } from './client.js';
import { PID_NAME } from './protocol.js';
import { pidAlive } from '../../util/pid.js';

/** Terminates every compute system of the service of `stateDir`, then the service itself (for tests). */
export async function stopEmulatorService(stateDir: string): Promise<void> {
  let pid: number | undefined;
  try { pid = Number(readFileSync(join(stateDir, PID_NAME), 'utf8').trim()) || undefined; } catch { /* none */ }
  const client = new EmulatorClient({ stateDir, spawnService: false, connectTimeoutMs: 2000 });
  try {
    const hello = await client.request<{ pid: number }>('hello');
    pid = hello.pid;
    await client.request('stopService');
  } catch { /* not running or already going */ } finally { client.close(); }
  if (!pid) return;
  const deadline = Date.now() + 10_000;
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (pidAlive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
}
