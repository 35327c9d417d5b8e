/**
 * The fallback stdio path (no helper outlives the service: WINCRI_EMULATOR_NS_HELPER=0 here; also no C compiler,
 * a non-isolated emulator, job containers), measured under service kills. Output: the service reads the program's
 * FIFO and spills each read before relaying it (relay.ts, spill.ts); a kill between a read and its spill write
 * loses that read, at most READ_SIZE bytes per stream per kill, silently (no gap is reported), never a line twice
 * or out of order. Stdin: a pipe the service holds, which a kill closes: the program reads the end of its stdin.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolationFacts } from '../../../src/platform/emulator/service/isolation.js';
import { keeperOnEmulator, runningSystem, type KeeperWorld } from '../../helpers/keeper-world.js';
import type { ExitEvent } from '../../../src/container-io/protocol.js';
import { READ_SIZE } from '../../../src/platform/emulator/service/stdio-fifo.js';
import { audit, killPoll, killService, logSize, newService } from '../../helpers/service-kill.js';
import { waitFor } from '../../helpers/wait-for.js';

const facts = isolationFacts();
const skip = facts.Enabled ? false : `no isolation here: ${facts.Reason}`;
const KILLS = 3;

/** A keeper on a service that launches through the util-linux chain (no namespace helper: the fallback path). */
async function fallbackWorld(t: Parameters<typeof keeperOnEmulator>[0], prefix: string): Promise<KeeperWorld> {
  const before = process.env.WINCRI_EMULATOR_NS_HELPER;
  process.env.WINCRI_EMULATOR_NS_HELPER = '0';
  try {
    return await keeperOnEmulator(t, prefix);
  } finally {
    if (before === undefined) delete process.env.WINCRI_EMULATOR_NS_HELPER; else process.env.WINCRI_EMULATOR_NS_HELPER = before;
  }
}

test('fallback path: service kills mid-flood lose at most one read per stream per kill, never a line twice', { skip }, async (t) => {
  const w = await fallbackWorld(t, 'wincri-emu-fallback-');
  const { emuState, logDir, platform, client } = w;
  await runningSystem(platform, 'fb');
  const events: ExitEvent[] = [];
  await client.onExit((e) => events.push(e));
  const logPath = join(logDir, '0.log');
  const N = 600_000;
  const M = 300_000;
  // The program exits only once /hold is gone (removed after the last kill): every kill comes while it runs,
  // however fast it writes.
  const root = join(emuState, 'roots', 'fb');
  writeFileSync(join(root, 'hold'), '');
  await client.start({
    containerId: 'fb', systemId: 'fb', logPath,
    process: { CommandLine: `sh -c "while [ ! -e /go ]; do sleep 0.01; done; seq 1 ${N} & seq 1 ${M} >&2; wait; while [ -e /hold ]; do sleep 0.01; done"`, CreateStdOutPipe: true, CreateStdErrPipe: true },
  });
  writeFileSync(join(root, 'go'), '');
  let at = 256 * 1024;
  for (let k = 0; k < KILLS; k++) {
    await waitFor(`log of ${at} bytes`, () => logSize(logPath) >= at, killPoll());
    assert.equal(events.length, 0, `kill ${k + 1} comes while the container still runs`);
    const pid = await killService(emuState);
    await newService(emuState, pid);
    at = logSize(logPath) + 512 * 1024;
  }
  rmSync(join(root, 'hold'));
  await waitFor('exit', () => events.length > 0, killPoll(120_000));
  const recs = readFileSync(logPath, 'utf8').trimEnd().split('\n').map((l) => l.split(' '));
  for (const [name, n] of [['stdout', N], ['stderr', M]] as const) {
    const got = recs.filter((r) => r[1] === name).map((r) => r[3]!);
    const a = audit(got, n);
    // A lost read takes whole lines and at most two pieces of lines (joined into one damaged line).
    const lostBytes = Buffer.byteLength(Array.from({ length: n }, (_, i) => `${i + 1}\n`).join('')) - got.reduce((s, l) => s + l.length + 1, 0);
    t.diagnostic(`${name}: ${n} lines, ${a.missing} missing, ${a.damaged} damaged, ${a.disorder} repeated or out of order; ${lostBytes} bytes lost over ${KILLS} kills`);
    assert.equal(a.disorder, 0, `${name}: no line twice or out of order`);
    assert.ok(lostBytes <= KILLS * READ_SIZE, `${name}: lost ${lostBytes} bytes, more than one read per kill`);
    assert.ok(a.damaged <= KILLS, `${name}: ${a.damaged} damaged lines, at most one per kill`);
  }
});

test('fallback path: a service kill closes the program\'s stdin (it reads the end of file)', { skip }, async (t) => {
  const w = await fallbackWorld(t, 'wincri-emu-fallback-in-');
  const { emuState, platform } = w;
  const sys = await platform.compute.createComputeSystem('fbin', { Owner: 'wincri-test', SchemaVersion: { Major: 2, Minor: 1 }, Container: {} });
  t.after(() => sys.close());
  await sys.start();
  const root = join(emuState, 'roots', 'fbin');
  const proc = await sys.createProcess({ CommandLine: 'sh -c "while read l; do echo $l >> /got; done; echo eof > /eof; sleep 600"', CreateStdInPipe: true }, { keepStdin: true });
  t.after(() => proc.close());
  proc.stdio.stdin!.on('error', () => undefined);
  proc.stdio.stdin!.write('one\n');
  await waitFor('the program to read a line', () => logSize(join(root, 'got')) > 0, killPoll());
  const pid = await killService(emuState);
  await waitFor('the program to read the end of its stdin', () => logSize(join(root, 'eof')) > 0, killPoll());
  assert.equal(readFileSync(join(root, 'got'), 'utf8'), 'one\n');
  await platform.compute.openComputeSystem('fbin').catch(() => undefined);
  await newService(emuState, pid);
});
