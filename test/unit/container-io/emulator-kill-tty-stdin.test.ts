/**
 * The emulator service killed with SIGKILL three times under a console (tty) flood and under a stream of stdin.
 * Both streams are owned by a helper that outlives the service: the pty helper's relay spools the terminal's
 * output to spill files (console-helper.ts) like the namespace helper's waiter spools pipes, and the program's
 * stdin is fed by that helper from files the service spools stdin to (stdin-spool.ts, stdin-feed-source.ts), the
 * client resending what a killed service had not acknowledged (durable-stdin.ts). Every line arrives exactly once,
 * and the program sees the end of its stdin only when the client closes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { isolationFacts } from '../../../src/platform/emulator/service/isolation.js';
import { keeperOnEmulator, runningSystem } from '../../helpers/keeper-world.js';
import type { ExitEvent } from '../../../src/container-io/protocol.js';
import { audit, killService, logSize, newService, killPoll } from '../../helpers/service-kill.js';
import { waitFor } from '../../helpers/wait-for.js';

const facts = isolationFacts();
const skip = facts.Enabled ? false : `no isolation here (the namespace helper feeds stdin): ${facts.Reason}`;
const KILLS = 3;

test('emulator service killed three times while a tty container floods: every line exactly once, in order', { skip }, async (t) => {
  const w = await keeperOnEmulator(t, 'wincri-emu-tty-');
  const { emuState, logDir, platform, client } = w;
  await runningSystem(platform, 'tty');
  const events: ExitEvent[] = [];
  await client.onExit((e) => events.push(e));
  const logPath = join(logDir, '0.log');
  const N = 300_000; // ~2 MB of terminal output: far more than is in flight per kill
  await client.start({
    containerId: 'tty', systemId: 'tty', logPath, tty: true,
    process: { CommandLine: `sh -c "while [ ! -e /go ]; do sleep 0.01; done; seq 1 ${N}"`, EmulateConsole: true, CreateStdOutPipe: true },
  });
  writeFileSync(join(emuState, 'roots', 'tty', 'go'), '');
  let at = 64 * 1024;
  for (let k = 0; k < KILLS; k++) {
    await waitFor(`log of ${at} bytes`, () => logSize(logPath) >= at, killPoll());
    assert.equal(events.length, 0, `kill ${k + 1} comes while the container still writes`);
    const pid = await killService(emuState);
    // The keeper's stream attaches again, which starts a new service.
    await newService(emuState, pid);
    at = logSize(logPath) + 256 * 1024;
  }
  await waitFor('exit', () => events.length > 0, killPoll(120_000));
  assert.equal(events[0]!.exitCode, 0);
  const recs = readFileSync(logPath, 'utf8').trimEnd().split('\n').map((l) => l.split(' '));
  assert.equal(recs.filter((r) => r[2] !== 'F').length, 0, 'no partial records');
  // A terminal ends lines with CR LF.
  const got = recs.filter((r) => r[1] === 'stdout').map((r) => r[3]!.replace(/\r$/, ''));
  const a = audit(got, N);
  t.diagnostic(`tty: ${N} lines, ${a.missing} missing, ${a.damaged} damaged, ${a.disorder} repeated or out of order`);
  assert.deepEqual(a, { missing: 0, disorder: 0, damaged: 0 }, 'every line exactly once, in order');
  assert.equal(got.length, N);
});

/** Writes, resolving once the stream took the chunk (a full window holds the callback). */
const put = (s: Writable, d: string) => new Promise<void>((res, rej) => s.write(d, (e) => (e ? rej(e) : res())));

test('emulator service killed three times while a container reads stdin: every line exactly once, no EOF until the client closes', { skip }, async (t) => {
  const w = await keeperOnEmulator(t, 'wincri-emu-stdin-');
  const { emuState, platform } = w;
  const sys = await platform.compute.createComputeSystem('in', { Owner: 'wincri-test', SchemaVersion: { Major: 2, Minor: 1 }, Container: {} });
  t.after(() => sys.close());
  await sys.start();
  const got = join(emuState, 'roots', 'in', 'got');
  // cat ends (and the shell marks it) only at the end of its stdin.
  const proc = await sys.createProcess({ CommandLine: 'sh -c "cat > /got; touch /eof"', CreateStdInPipe: true });
  t.after(() => proc.close());
  const stdin = proc.stdio.stdin!;
  const L = 200_000; // ~1.3 MB: beyond the stdin window, so the writer also waits for the program
  const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${from + i}\n`).join('');
  let next = 1;
  const send = async (n: number) => { const to = Math.min(next + n - 1, L); await put(stdin, lines(next, to)); next = to + 1; };
  let kills = 0;
  while (next <= L) {
    await send(2_000);
    if (kills < KILLS && next > ((kills + 1) * L) / (KILLS + 1)) {
      const pid = await killService(emuState);
      // Written while no service runs: the stream keeps it and resends it to the next service, which its
      // attaching again starts.
      await send(1);
      await newService(emuState, pid);
      kills++;
    }
  }
  assert.equal(kills, KILLS);
  const size = Buffer.byteLength(lines(1, L));
  await waitFor('the program to read every line', () => logSize(got) >= size, killPoll(120_000));
  assert.equal(existsSync(join(emuState, 'roots', 'in', 'eof')), false, 'no end of file while the client keeps stdin open');
  assert.equal((await proc.getProperties()).Exited, false, 'the program still reads');
  await new Promise<void>((res) => stdin.end(res));
  assert.equal((await proc.waitExit()).ExitCode, 0);
  assert.ok(existsSync(join(emuState, 'roots', 'in', 'eof')), 'the end of file came once the client closed stdin');
  const a = audit(readFileSync(got, 'utf8').trimEnd().split('\n'), L);
  t.diagnostic(`stdin: ${L} lines, ${a.missing} missing, ${a.damaged} damaged, ${a.disorder} repeated or out of order`);
  assert.deepEqual(a, { missing: 0, disorder: 0, damaged: 0 }, 'every line exactly once, in order');
});
