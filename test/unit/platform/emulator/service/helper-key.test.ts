/**
 * A C helper's file name (helper-key.ts) hashes its source, the compiler flags and the candidate compilers as PATH
 * finds them (resolved file, size, time): any of them changing names another helper; nothing else does.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { compilerIdentity, helperFileName, HELPER_CFLAGS } from '../../../../../src/platform/emulator/service/helper-key.js';

const dir = mkdtempSync(join(tmpdir(), 'wincri-helper-key-'));
const savedPath = process.env.PATH;
after(() => { process.env.PATH = savedPath; rmSync(dir, { recursive: true, force: true }); });

function tool(at: string, body: string): string {
  mkdirSync(at, { recursive: true });
  const p = join(at, 'fake-cc');
  writeFileSync(p, body);
  chmodSync(p, 0o755);
  return p;
}

test('a compiler is the file PATH resolves it to (through links), with its size and time; absent when PATH lacks it', () => {
  const a = tool(join(dir, 'a'), '#!/bin/sh\n');
  mkdirSync(join(dir, 'links'));
  symlinkSync(a, join(dir, 'links', 'fake-cc'));
  const viaLink = compilerIdentity('fake-cc', `${join(dir, 'empty')}${delimiter}${join(dir, 'links')}`);
  assert.match(viaLink!, new RegExp(`^${a}:10:\\d+$`));
  assert.equal(compilerIdentity(a), viaLink, 'a path with a slash is taken as is');
  assert.equal(compilerIdentity('fake-cc', join(dir, 'empty')), undefined);
  utimesSync(a, 1_000_000, 1_000_000);
  assert.notEqual(compilerIdentity(a), viaLink, 'a new modification time is another compiler');
});

test('the helper name changes with the source, the flags and each compiler, and only with them', () => {
  const b = tool(join(dir, 'b'), '#!/bin/sh\n');
  process.env.PATH = join(dir, 'b');
  const base = helperFileName('wincri-x', 'int main(void){}', ['fake-cc']);
  assert.match(base, /^wincri-x-[0-9a-f]{12}$/);
  assert.equal(helperFileName('wincri-x', 'int main(void){}', ['fake-cc']), base, 'stable');
  assert.equal(helperFileName('wincri-x', 'int main(void){}', ['fake-cc'], HELPER_CFLAGS), base, 'the build flags are the default');
  assert.notEqual(helperFileName('wincri-x', 'int main(void){ }', ['fake-cc']), base, 'source');
  assert.notEqual(helperFileName('wincri-x', 'int main(void){}', ['fake-cc'], ['-O0']), base, 'flags');
  assert.notEqual(helperFileName('wincri-x', 'int main(void){}', ['other-cc']), base, 'the compilers tried');
  writeFileSync(b, '#!/bin/sh\n# v2\n');
  assert.notEqual(helperFileName('wincri-x', 'int main(void){}', ['fake-cc']), base, 'the compiler changed');
  process.env.PATH = savedPath;
});
