/**
 * The watchdog of a test's emulator service (helpers.ts setup): the service is detached by design (it outlives its
 * client), so a test process killed before its after-hooks ran (node --test's --test-timeout ends a file's process,
 * `timeout` sends SIGTERM) would leave it, and its systems, running. This process holds a pipe from the test
 * process: its end without a "done" line (the test process died, however) stops the service and removes the dir.
 */
import { rmSync } from 'node:fs';
import { stopEmulatorService } from '../../../../src/platform/emulator/service-stop.js';

const [stateDir, dir] = process.argv.slice(2) as [string, string];
let said = '';
process.stdin.on('data', (d: Buffer) => { said += d.toString(); });
process.stdin.on('end', () => {
  if (said.includes('done')) return;
  void stopEmulatorService(stateDir, { removingStateDir: true })
    .catch(() => undefined)
    .then(() => rmSync(dir, { recursive: true, force: true }));
});
