/**
 * WINCRI_EMULATOR_HELPER_CACHE (helper-cache.ts): a helper built for one state dir is copied into another's bin
 * instead of compiled (no compiler on PATH proves it), runnable, at the state dir's own path; a cache others can
 * write to, or a build with $CC set, is not used.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHelper } from '../../../../../src/platform/emulator/service/c-helper.js';

const dir = mkdtempSync(join(tmpdir(), 'wincri-helper-cache-test-'));
const saved = { cache: process.env.WINCRI_EMULATOR_HELPER_CACHE, path: process.env.PATH, cc: process.env.CC };
after(() => {
  for (const [k, v] of [['WINCRI_EMULATOR_HELPER_CACHE', saved.cache], ['PATH', saved.path], ['CC', saved.cc]] as const) {
    if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

const SOURCE = (n: number) => `#include <stdio.h>\nint main(void) { puts("helper ${n}"); return 0; }\n`;
/** buildHelper with no C compiler on PATH: only a cached build can answer. */
async function withoutCompiler(state: string, n: number): Promise<string | Error> {
  process.env.PATH = join(dir, 'empty');
  try { return await buildHelper(state, 'wincri-t', SOURCE(n)); } catch (e) { return e as Error; } finally { process.env.PATH = saved.path; }
}

test('a helper built once is copied into the next state dir, not compiled again', { skip: !saved.path?.split(':').some((p) => existsSync(join(p, 'cc')) || existsSync(join(p, 'gcc'))) && 'no C compiler' }, async () => {
  mkdirSync(join(dir, 'empty'));
  const cache = join(dir, 'cache');
  mkdirSync(cache, { mode: 0o700 });
  delete process.env.CC;
  process.env.WINCRI_EMULATOR_HELPER_CACHE = cache;
  const first = await buildHelper(join(dir, 's1'), 'wincri-t', SOURCE(1));
  assert.deepEqual(readdirSync(cache), [first.split('/').pop()], 'the build is left in the cache');
  const second = await withoutCompiler(join(dir, 's2'), 1);
  assert.equal(second, join(dir, 's2', 'bin', first.split('/').pop()!), 'the helper has the state dir\'s own path');
  assert.equal(execFileSync(second as string, { encoding: 'utf8' }), 'helper 1\n');
  assert.equal(statSync(second as string).mode & 0o777, statSync(first).mode & 0o777);
  assert.deepEqual(readdirSync(join(dir, 's2', 'bin')), [first.split('/').pop()], 'no temporary file left');

  // Another source is another helper: not in the cache, and no compiler.
  assert.ok(await withoutCompiler(join(dir, 's3'), 2) instanceof Error);
  // A cache others can write to is not trusted; with $CC set the cache is left alone.
  chmodSync(cache, 0o777);
  assert.ok(await withoutCompiler(join(dir, 's4'), 1) instanceof Error, 'a world-writable cache is used');
  chmodSync(cache, 0o700);
  process.env.CC = join(dir, 'empty', 'no-cc');
  assert.ok(await withoutCompiler(join(dir, 's5'), 1) instanceof Error, 'the cache is used with $CC set');
});
