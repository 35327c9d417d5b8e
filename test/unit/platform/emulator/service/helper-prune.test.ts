/**
 * Stale builds of a C helper (helper-prune.ts): a build under a newer name (another compiler, another source)
 * removes the older builds of the same helper from <stateDir>/bin (was: they piled up for good), but never one
 * this process has handed out, one younger than the grace period (another process may be about to run it), or
 * another helper's. A fake `$CC` that writes a script stands in for the compiler (no gcc needed).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHelper } from '../../../../../src/platform/emulator/service/c-helper.js';
import { PRUNE_GRACE_MS } from '../../../../../src/platform/emulator/service/helper-prune.js';

const dir = mkdtempSync(join(tmpdir(), 'wincri-helper-prune-test-'));
const saved = { cc: process.env.CC };
after(() => {
  if (saved.cc === undefined) delete process.env.CC; else process.env.CC = saved.cc;
  rmSync(dir, { recursive: true, force: true });
});

/** Made long before the grace period. */
function stale(path: string): void {
  writeFileSync(path, '#!/bin/sh\n', { mode: 0o755 });
  const then = new Date(Date.now() - 2 * PRUNE_GRACE_MS);
  utimesSync(path, then, then);
}

test('a new build of a helper prunes its stale builds, not one this process handed out, a young one, or another helper\'s', async () => {
  const cc = join(dir, 'fake-cc');
  writeFileSync(cc, '#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done\nprintf \'#!/bin/sh\\n\' > "$out"\n');
  chmodSync(cc, 0o755);
  process.env.CC = cc;
  const state = join(dir, 'state');
  const bin = join(state, 'bin');
  mkdirSync(bin, { recursive: true });

  const first = await buildHelper(state, 'wincri-p', 'source 1');
  stale(first); // handed out to this process: it may still spawn it
  const older = join(bin, 'wincri-p-0123456789ab');
  stale(older);
  const young = join(bin, 'wincri-p-ba9876543210');
  writeFileSync(young, '#!/bin/sh\n');
  const other = join(bin, 'wincri-q-0123456789ab');
  stale(other);
  const notABuild = join(bin, 'wincri-p-notahash');
  stale(notABuild);

  // Another source (as after an upgrade): built under a new name, and the stale builds of wincri-p go.
  const second = await buildHelper(state, 'wincri-p', 'source 2');
  assert.notEqual(second, first);
  assert.ok(existsSync(second));
  assert.equal(existsSync(older), false, 'the stale build is removed');
  assert.ok(existsSync(first), 'a build this process handed out stays');
  assert.ok(existsSync(young), 'a build younger than the grace period stays');
  assert.ok(existsSync(other), 'another helper\'s build stays');
  assert.ok(existsSync(notABuild), 'a file not named as a build stays');
});

test('the first call for a helper already built prunes its stale builds once', async () => {
  const state = join(dir, 'state2');
  const bin = join(state, 'bin');
  mkdirSync(bin, { recursive: true });
  process.env.CC = join(dir, 'fake-cc');
  const current = await buildHelper(join(dir, 'seed'), 'wincri-r', 'source');
  // The same build already in this state dir (a service restarted): found, not built, and the stale one goes.
  writeFileSync(join(bin, current.split('/').pop()!), '#!/bin/sh\n', { mode: 0o755 });
  const older = join(bin, 'wincri-r-00000000abcd');
  stale(older);
  assert.equal(await buildHelper(state, 'wincri-r', 'source'), join(bin, current.split('/').pop()!));
  assert.equal(existsSync(older), false);
});
