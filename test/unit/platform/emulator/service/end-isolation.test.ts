/**
 * endIsolation hands back its file system work: a caller that builds the system's isolation again (a Running
 * system re-isolated at load) awaits it, so the old cleanup cannot remove what the new holder's start just made.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { endIsolation, abortStart } from '../../../../../src/platform/emulator/service/isolate.js';
import { makeDevDir } from '../../../../../src/platform/emulator/service/dev-skeleton.js';
import type { SystemRecord } from '../../../../../src/platform/emulator/service/records.js';

function record(dir: string): SystemRecord {
  const mp = join(dir, 'root', 'mnt');
  mkdirSync(mp, { recursive: true });
  return {
    id: 'again', document: {}, state: 'Running', root: join(dir, 'root'), createdAt: new Date().toISOString(), processes: [],
    isolation: { created: [mp], devDir: makeDevDir(join(dir, 'state'), 'again') },
  } as SystemRecord;
}

test('the cleanup endIsolation returns is done once it resolves; what is made after it stays', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-endiso-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const s = record(dir);
  const { created, devDir } = s.isolation!;
  await endIsolation(s, () => undefined);
  assert.equal(s.isolation, undefined);
  assert.ok(!existsSync(created[0]!), 'the mount point is removed');
  assert.ok(!existsSync(devDir!), 'the /dev directory is removed');
  // The re-isolation's start: the same /dev directory and mount point again.
  const again = makeDevDir(join(dir, 'state'), 'again');
  mkdirSync(created[0]!);
  for (let i = 0; i < 20; i++) await tick();
  assert.ok(existsSync(again), 'the new /dev directory survives');
  assert.ok(existsSync(created[0]!), 'the new mount point survives');
});

test('a cleanup failure is logged, never a rejection', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-endiso-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const s = record(dir);
  // A devDir path that cannot be a string makes removeDevDir throw.
  (s.isolation as { devDir?: unknown }).devDir = 42;
  const logged: string[] = [];
  await abortStart(s, (m) => logged.push(m));
  assert.equal(s.isolation, undefined);
  assert.match(logged.join('\n'), /cleanup of again's isolation:/);
});
