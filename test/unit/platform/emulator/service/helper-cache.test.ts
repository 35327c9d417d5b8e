/**
 * WINCRI_EMULATOR_HELPER_CACHE (helper-cache.ts): a helper built for one state dir is copied into another's bin
 * instead of compiled (a counting compiler on PATH proves it), runnable, at the state dir's own path; another
 * compiler (helper-key.ts: the file `cc` resolves to, its size and time) builds anew instead of taking the cached
 * helper; a cache others can write to, or a build with $CC set, is not used.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { buildHelper } from '../../../../../src/platform/emulator/service/c-helper.js';

const dir = mkdtempSync(join(tmpdir(), 'wincri-helper-cache-test-'));
const saved = { cache: process.env.WINCRI_EMULATOR_HELPER_CACHE, path: process.env.PATH, cc: process.env.CC };
after(() => {
  for (const [k, v] of [['WINCRI_EMULATOR_HELPER_CACHE', saved.cache], ['PATH', saved.path], ['CC', saved.cc]] as const) {
    if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

const SOURCE = `#include <stdio.h>\nint main(void) { puts("helper"); return 0; }\n`;
const tools = join(dir, 'tools');
const wrapper = join(tools, 'cc');
const runs = join(dir, 'runs');
/** How many times the wrapper `cc` compiled. */
const compiles = (): number => existsSync(runs) ? readFileSync(runs, 'utf8').length : 0;
/** buildHelper with the counting `cc` first on PATH. */
async function build(state: string): Promise<string> {
  process.env.PATH = `${tools}${delimiter}${saved.path}`;
  try { return await buildHelper(join(dir, state), 'wincri-t', SOURCE); } finally { process.env.PATH = saved.path; }
}
const name = (p: string): string => p.split('/').pop()!;

test('a helper built once is copied into the next state dir; another compiler or $CC builds it anew', { skip: !saved.path?.split(delimiter).some((p) => existsSync(join(p, 'gcc'))) && 'no gcc' }, async () => {
  mkdirSync(tools);
  // A `cc` that counts its runs and lets gcc compile.
  writeFileSync(wrapper, `#!/bin/sh\nprintf x >> ${runs}\nexec gcc "$@"\n`);
  chmodSync(wrapper, 0o755);
  const cache = join(dir, 'cache');
  mkdirSync(cache, { mode: 0o700 });
  delete process.env.CC;
  process.env.WINCRI_EMULATOR_HELPER_CACHE = cache;
  const first = await build('s1');
  assert.equal(compiles(), 1);
  assert.deepEqual(readdirSync(cache), [name(first)], 'the build is left in the cache');
  const second = await build('s2');
  assert.equal(compiles(), 1, 'copied, not compiled');
  assert.equal(second, join(dir, 's2', 'bin', name(first)), 'the helper has the state dir\'s own path');
  assert.equal(execFileSync(second, { encoding: 'utf8' }), 'helper\n');
  assert.equal(statSync(second).mode & 0o777, statSync(first).mode & 0o777);
  assert.deepEqual(readdirSync(join(dir, 's2', 'bin')), [name(first)], 'no temporary file left');

  // Another compiler (here the same `cc` changed): the cached helper is not taken, a new one is built and cached.
  appendFileSync(wrapper, '# upgraded\n');
  const third = await build('s3');
  assert.equal(compiles(), 2, 'compiled by the new compiler');
  assert.notEqual(name(third), name(first));
  assert.deepEqual(readdirSync(cache).sort(), [name(first), name(third)].sort());

  // A cache others can write to is not trusted; with $CC set the cache is left alone.
  chmodSync(cache, 0o777);
  await build('s4');
  assert.equal(compiles(), 3, 'a world-writable cache is used');
  chmodSync(cache, 0o700);
  process.env.CC = wrapper;
  try { await build('s5'); } finally { delete process.env.CC; }
  assert.equal(compiles(), 4, 'the cache is used with $CC set');
  assert.equal(readdirSync(cache).length, 2, 'nor written');
});
