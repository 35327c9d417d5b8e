/**
 * Two forgets of one container (RemoveContainer's retry and the exit report of a container being removed race for
 * it): the one that finds the entry gone answers only once the first has removed the record files, so a caller never
 * sees "forgotten" while the keeper's record is still on disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forget } from '../../../src/container-io/keeper-requests.js';
import type { KeeperContext } from '../../../src/container-io/keeper-context.js';
import type { Entry } from '../../../src/container-io/keeper-state.js';

test('a second forget answers only after the first removed the record files', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-forget-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = (id: string) => join(dir, `${id}.json`);
  const offsetsPath = (id: string) => join(dir, `${id}.offsets`);
  writeFileSync(path('c1'), '{}');
  writeFileSync(offsetsPath('c1'), '');
  let finishWrite!: () => void;
  const chain = new Promise<void>((r) => { finishWrite = r; }); // a record write still under way
  const entry = { phase: 'exited', chain } as unknown as Entry;
  const k = { entries: new Map([['c1', entry]]), forgetting: new Map(), records: { path, offsetsPath } } as unknown as KeeperContext;

  const first = forget(k, { containerId: 'c1' });
  let secondAnswered = false;
  const second = forget(k, { containerId: 'c1' }).then(() => { secondAnswered = true; });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(secondAnswered, false, 'the second forget waits for the first one\'s file removal');
  assert.ok(existsSync(path('c1')), 'the record is still there while the write is under way');
  finishWrite();
  await second;
  assert.ok(!existsSync(path('c1')) && !existsSync(offsetsPath('c1')), 'both files are gone when the second forget answers');
  await first;
  assert.equal(k.forgetting.size, 0, 'nothing is left in the forgetting table');
  // A forget of a container nobody knows answers at once.
  await forget(k, { containerId: 'c1' });
});
