import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LaunchIntents } from '../../../../../src/platform/emulator/service/launch-intents.js';
import { PlatformError, HRESULT } from '../../../../../src/platform/hresult.js';

test('launch intents: a launch that cannot be recorded is refused (ERROR_DISK_FULL); dropping or rewriting one never throws', () => {
  const dir = mkdtempSync(join(tmpdir(), 'intents-'));
  try {
    const logged: string[] = [];
    const li = new LaunchIntents(dir, (m) => logged.push(m));
    li.begin({ system: 's1', statusFile: '/x/a' });
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'launches.json'), 'utf8')), [{ system: 's1', statusFile: '/x/a' }]);
    // The temp file's name taken by a directory: every write fails from here on (as on a full disk).
    mkdirSync(join(dir, 'launches.json.tmp'));
    assert.throws(() => li.begin({ system: 's1', statusFile: '/x/b' }),
      (e: unknown) => e instanceof PlatformError && e.hresult === HRESULT.ERROR_DISK_FULL && /cannot record the launch/.test(e.message));
    assert.doesNotThrow(() => li.end('/x/a'));
    assert.doesNotThrow(() => li.save());
    assert.ok(logged.some((m) => /cannot rewrite/.test(m)), 'the failed rewrite is logged');
    // What is on disk still names /x/a only (a recorded launch's intent is harmless: load() ignores it then).
    assert.deepEqual(li.load().map((i) => i.statusFile), ['/x/a']);
    rmdirSync(join(dir, 'launches.json.tmp'));
    li.save();
    assert.deepEqual(li.load(), [], 'the refused launch left no intent; the settled one is gone once a write works');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
