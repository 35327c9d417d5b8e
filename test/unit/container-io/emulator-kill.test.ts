/**
 * The emulator service killed with SIGKILL three times while a container floods numbered lines on stdout and
 * stderr. The container runs in an isolated system through the namespace helper, which as the program's waiter
 * owns its stdout and stderr: it spools them to spill files (platform/emulator/service/ns-helper-spool-source.ts)
 * and the service only reads those files (spool-relay.ts). The file is the only copy, so the restarted service
 * replays from the keeper's acknowledged offset: every line arrives exactly once, in order, for both streams.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolationFacts } from '../../../src/platform/emulator/service/isolation.js';
import { keeperOnEmulator, runningSystem } from '../../helpers/keeper-world.js';
import type { ExitEvent } from '../../../src/container-io/protocol.js';
import { SPOOL_READ, SPOOL_WINDOW, spillBytes } from '../../../src/platform/emulator/service/spill.js';
import { alive, audit, logSize, servicePid, killPoll } from '../../helpers/service-kill.js';
import { waitFor } from '../../helpers/wait-for.js';

const facts = isolationFacts();
const skip = facts.Enabled ? false : `no isolation here (the namespace helper spools output): ${facts.Reason}`;

test('emulator service killed with SIGKILL three times mid-flood: every line exactly once and in order', { skip }, async (t) => {
  const w = await keeperOnEmulator(t, 'wincri-emu-spill-');
  const { emuState, logDir, platform, client } = w;
  await runningSystem(platform, 'spill');
  const events: ExitEvent[] = [];
  await client.onExit((e) => events.push(e));
  const logPath = join(logDir, '0.log');
  const N = 1_000_000; // raw output well beyond what is in flight (spill window, pipe, keeper batch) per stream
  const M = 500_000;
  await client.start({
    containerId: 'spill', systemId: 'spill', logPath,
    process: { CommandLine: `sh -c "while [ ! -e /go ]; do sleep 0.01; done; seq 1 ${N} & seq 1 ${M} >&2; wait"`, CreateStdOutPipe: true, CreateStdErrPipe: true },
  });
  // The flood starts once this test watches the log: a fast keeper could otherwise log most of it before.
  writeFileSync(join(emuState, 'roots', 'spill', 'go'), '');
  // Kill while both streams flow: the relays then hold bytes the keeper has not acknowledged yet.
  const KILLS = 3;
  const kills: number[] = [];
  let spooled = false;
  let maxSpill = 0;
  let at = 256 * 1024;
  for (let k = 0; k < KILLS; k++) {
    await waitFor(`log of ${at} bytes`, () => logSize(logPath) >= at, killPoll());
    assert.equal(events.length, 0, `kill ${k + 1} comes while the container still writes`);
    const pid = servicePid(emuState);
    assert.ok(alive(pid), 'the service runs');
    process.kill(pid, 'SIGKILL');
    await waitFor('the service to die', () => !alive(pid), killPoll());
    kills.push(pid);
    for (const p of readdirSync(join(emuState, 'stdio')).filter((f) => /\.(out|err)$/.test(f))) {
      const bytes = spillBytes(join(emuState, 'stdio', p));
      maxSpill = Math.max(maxSpill, bytes);
      if (bytes > 0) spooled = true;
    }
    // The keeper's streams attach again, which starts a new service.
    await waitFor('a new service', () => { const p = servicePid(emuState); return p !== pid && alive(p); }, killPoll());
    at = logSize(logPath) + 512 * 1024;
  }
  await waitFor('exit', () => events.length > 0, killPoll(120_000));
  // The helper that waited for it wrote its status: a re-adopted process's real exit code.
  assert.equal(events[0]!.exitCode, 0);
  assert.equal(kills.length, KILLS);
  assert.ok(spooled, 'the output was in spill files while the service was down');

  const recs = readFileSync(logPath, 'utf8').trimEnd().split('\n').map((l) => l.split(' '));
  const lines = (stream: string) => recs.filter((r) => r[1] === stream);
  assert.equal(recs.filter((r) => r[2] !== 'F').length, 0, 'no partial records');
  // Every line exactly once and in order: nothing missing, nothing repeated, no line joined from two pieces.
  for (const [name, n] of [['stdout', N], ['stderr', M]] as const) {
    const a = audit(lines(name).map((r) => r[3]!), n);
    t.diagnostic(`${name}: ${n} lines, ${a.missing} missing, ${a.damaged} damaged, ${a.disorder} repeated or out of order`);
    assert.deepEqual(a, { missing: 0, disorder: 0, damaged: 0 }, `${name}: every line exactly once, in order`);
    assert.equal(lines(name).length, n, `${name}: ${n} records`);
  }
  // The spills stayed within their bound while the service was down: the waiter's window and one read.
  assert.ok(maxSpill <= SPOOL_WINDOW + SPOOL_READ, `spill of one stream ${maxSpill} bytes`);
});
