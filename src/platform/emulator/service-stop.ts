/** Stopping the emulator service of a state directory (tests, `wincri shutdown`). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmulatorClient } from './client.js';
import { PID_NAME } from './protocol.js';
import { pidAlive } from '../../util/pid.js';
import { killHelpers } from './service/helper-kill.js';
import { strayHelpers } from './service/helper-orphans.js';

/** Terminates every compute system of the service of `stateDir`, then the service itself and any helper of it left (for tests). */
export async function stopEmulatorService(stateDir: string): Promise<void> {
  let pid: number | undefined;
  try { pid = Number(readFileSync(join(stateDir, PID_NAME), 'utf8').trim()) || undefined; } catch { /* none */ }
  const client = new EmulatorClient({ stateDir, spawnService: false, connectTimeoutMs: 2000 });
  // Bounded: a service that goes away mid-request (a `hello` is resent on reconnect, and nothing would answer it)
  // must not hold the caller; what it left is handled below either way.
  let timer: NodeJS.Timeout | undefined;
  const bounded = new Promise<void>((resolve) => { timer = setTimeout(resolve, 60_000); });
  const asked = (async () => {
    const hello = await client.request<{ pid: number }>('hello');
    pid = hello.pid;
    await client.request('stopService');
  })();
  asked.catch(() => undefined); // not running or already going (or rejected by the close below, after the bound)
  await Promise.race([bounded, asked]).catch(() => undefined);
  clearTimeout(timer);
  client.close();
  if (pid) {
    const deadline = Date.now() + 10_000;
    while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (pidAlive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  }
  // A service killed (above, or before this call) leaves its holders running by design; the caller is about to
  // remove the state dir, after which nothing would ever find them: their helpers end here.
  killHelpers(strayHelpers(stateDir, []));
}
