import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulatorPlatform } from '../../../../../src/platform/emulator/index.js';
import { stopEmulatorService } from '../../../../../src/platform/emulator/service-stop.js';
import { pidAlive } from '../../../../../src/util/pid.js';
import { isolationFacts } from '../../../../../src/platform/emulator/service/isolation.js';
import { waitFor } from '../../../../helpers/wait-for.js';

const facts = isolationFacts();

// A service stopped while it is still compiling its namespace helper must take the compiler with it: an orphaned
// compiler went on writing into <state>/bin and a test's cleanup of the state dir failed with ENOTEMPTY.
test('stopping the emulator service mid-build ends the compiler and leaves nothing writing into its state dir', { skip: !facts.Enabled && `the namespace helper is built only with isolation: ${facts.Reason}` }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-cc-'));
  const cc = join(dir, 'slow-cc');
  const pidFile = join(dir, 'cc.pid');
  // Records its pid, waits, then "compiles" by writing the -o file (what an orphan would do after the stop).
  writeFileSync(cc, `#!/bin/sh\necho $$ > ${pidFile}\nsleep 3\nwhile [ $# -gt 0 ]; do if [ "$1" = -o ]; then echo x > "$2"; fi; shift; done\n`);
  chmodSync(cc, 0o755);
  const saved = process.env.CC;
  process.env.CC = cc;
  const state = join(dir, 'state');
  try {
    const platform = await createEmulatorPlatform({ stateDir: state });
    await waitFor('the service to start building its helper with $CC', () => existsSync(pidFile), { timeoutMs: 10_000 });
    const ccPid = Number(readFileSync(pidFile, 'utf8'));
    await platform.close();
    await stopEmulatorService(state, { removingStateDir: true });
    assert.equal(pidAlive(ccPid), false, 'the compiler ended with the service');
    const bin = join(state, 'bin');
    assert.deepEqual(existsSync(bin) ? readdirSync(bin) : [], [], 'no source, partial output or helper left behind');
    await new Promise((r) => setTimeout(r, 3500));
    assert.deepEqual(existsSync(bin) ? readdirSync(bin) : [], [], 'and nothing appears afterwards');
  } finally {
    if (saved === undefined) delete process.env.CC; else process.env.CC = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});
