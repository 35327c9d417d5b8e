/** Stopping the emulator service of a state directory (`wincri shutdown`, tests). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmulatorClient } from './client.js';
import { PID_NAME, recordsFile } from './protocol.js';
import { pidAlive } from '../../util/pid.js';
import { readJson } from '../../util/atomic.js';
import { killHelperTree } from './service/helper-kill.js';
import { awaitExit } from './service/exit-wait.js';
import { strayHelpers } from './service/helper-orphans.js';
import type { SystemRecord } from './service/records.js';

export interface StopOptions {
  /**
   * The caller removes the state dir next (tests): every helper of it ends, owned or not, since nothing would find
   * them afterwards. Without it only helpers no record on disk owns end: a service that is down (crashed) left its
   * running systems' holders running by design, to be re-adopted by the next service.
   */
  removingStateDir?: boolean;
}

/** How long stopService may take before the service is killed (every system at its 5 s terminate, one at a time). */
const STOP_SERVICE_BOUND_MS = 10 * 60_000;

/** Asks the service of `stateDir` to terminate every compute system and stop, then ends helpers left (see StopOptions). */
export async function stopEmulatorService(stateDir: string, opts: StopOptions = {}): Promise<void> {
  let pid: number | undefined;
  try { pid = Number(readFileSync(join(stateDir, PID_NAME), 'utf8').trim()) || undefined; } catch { /* none */ }
  const client = new EmulatorClient({ stateDir, spawnService: false, connectTimeoutMs: 2000 });
  try {
    // Bounded: a service that goes away mid-`hello` (resent on reconnect, and nothing would answer it) must not hold
    // the caller. stopService gets a far longer bound (terminating every system can take long; a stuck one must
    // not hold `wincri shutdown` forever): past it, the service is killed below like one that does not exit.
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), 60_000); });
    const hello = client.request<{ pid: number }>('hello');
    hello.catch(() => undefined); // not running or already going (or rejected by the close below, after the bound)
    const answered = await Promise.race([bound, hello]).catch(() => undefined).finally(() => clearTimeout(timer));
    if (answered) {
      pid = answered.pid;
      const stopped = client.request('stopService').catch(() => undefined); // it may go before it answers
      let stopTimer: NodeJS.Timeout | undefined;
      await Promise.race([stopped, new Promise((r) => { stopTimer = setTimeout(r, STOP_SERVICE_BOUND_MS); })]).finally(() => clearTimeout(stopTimer));
    }
  } finally {
    client.close();
  }
  if (pid) {
    const deadline = Date.now() + 10_000;
    while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (pidAlive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  }
  // The records as the service left them: after stopService every system is Stopped (nothing is owned); after a
  // crash the running systems' holders and processes are, and stay for the next service.
  // Records that cannot be read: nothing is known not to be owned, nothing is killed.
  const owners = opts.removingStateDir ? [] : await readJson<SystemRecord[]>(recordsFile(stateDir, 'systems')).then((r) => r ?? [], () => undefined);
  if (!owners) return;
  // SIGKILLed processes take a moment to exit: the caller (about to remove the dir) finds them gone.
  await awaitExit(killHelperTree(strayHelpers(stateDir, owners)).procs, 5000);
}
