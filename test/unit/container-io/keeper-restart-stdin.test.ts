/**
 * A container's stdin across a graceful IO keeper restart (the keeper's stop destroys its stdin stream, which
 * used to close the program's stdin): the program reads on, and an attach to the restarted keeper writes to it.
 * The kill -9 case runs end to end in test/e2e/keeper-stdin.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolationFacts } from '../../../src/platform/emulator/service/isolation.js';
import { runKeeper } from '../../../src/container-io/keeper.js';
import { KeeperClient } from '../../../src/container-io/keeper-client.js';
import { emulatorWorld, quiet, runningSystem } from '../../helpers/keeper-world.js';
import { killPoll } from '../../helpers/service-kill.js';
import { waitFor } from '../../helpers/wait-for.js';

const facts = isolationFacts();
const skip = facts.Enabled ? false : `no isolation here (stdin is spooled for the namespace helper): ${facts.Reason}`;
const lines = (path: string) => { try { return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ').slice(3).join(' ')); } catch { return []; } };

test('a restarted keeper reopens a running container\'s stdin: the program reads on, a new attach writes to it', { skip }, async (t) => {
  const { dir, logDir, sock, platform } = await emulatorWorld(t, 'wincri-keeper-stdin-');
  const logPath = join(logDir, '0.log');
  await runningSystem(platform, 'rd');

  const k1 = await runKeeper({ socketPath: sock, stateDir: join(dir, 'io'), platform, log: quiet });
  const c1 = await KeeperClient.connect(sock, { log: quiet });
  await c1.start({
    containerId: 'rd', systemId: 'rd', logPath,
    process: { CommandLine: 'sh -c "while read l; do echo got:$l; done; echo stdin-eof"', CreateStdInPipe: true, CreateStdOutPipe: true },
  });
  const a1 = await c1.attachContainer({ containerId: 'rd', stdin: true, stdout: false, stderr: false });
  a1.stdin!.write('one\n');
  await waitFor('the first line', () => lines(logPath).includes('got:one'), killPoll());
  await c1.close();
  await k1.close();

  const k2 = await runKeeper({ socketPath: sock, stateDir: join(dir, 'io'), platform, log: quiet });
  const c2 = await KeeperClient.connect(sock, { log: quiet });
  t.after(async () => { await c2.close(); await k2.close(); });
  // The container is taken back in the background: attach once it is.
  let a2: Awaited<ReturnType<KeeperClient['attachContainer']>> | undefined;
  const end = Date.now() + 20_000;
  while (!a2) {
    a2 = await c2.attachContainer({ containerId: 'rd', stdin: true, stdout: true, stderr: false }).catch((e: unknown) => {
      if (Date.now() > end) throw e;
      return new Promise<undefined>((r) => setTimeout(() => r(undefined), 20));
    });
  }
  const out: Buffer[] = [];
  a2.stdout!.on('data', (b: Buffer) => out.push(b));
  a2.stdin!.write('two\n');
  await waitFor('the line written after the restart', () => lines(logPath).includes('got:two'), killPoll());
  await waitFor('its echo on the new attach', () => Buffer.concat(out).toString().includes('got:two'), killPoll());
  assert.deepEqual(lines(logPath), ['got:one', 'got:two'], 'no end of file across the restart');
  await a2.close();
});
