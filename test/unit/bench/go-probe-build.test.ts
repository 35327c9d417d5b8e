/**
 * The Go relist probe's build cache (bench/steady/go-probe.ts): a private directory (0700) under $XDG_CACHE_HOME,
 * keyed by `go version` too (a new toolchain builds anew); a failed build leaves no partial binary and says why
 * (the last lines of its stderr). A fake `go` on PATH stands for the toolchain.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readdirSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { buildGoProbe } from '../../../bench/steady/go-probe.js';

const dir = mkdtempSync(join(tmpdir(), 'wincri-go-probe-build-'));
const saved = { PATH: process.env.PATH, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
const cache = join(dir, 'cache', 'wincri', 'relist-probe');

/** A fake go: `go version` prints `version`; `go build -o OUT SRC` writes OUT, then fails (noisy stderr) or not. */
function fakeGo(version: string, fails: boolean): void {
  writeFileSync(join(dir, 'bin', 'go'), `#!/bin/sh
if [ "$1" = version ]; then echo "go version ${version} linux/amd64"; exit 0; fi
echo partial > "$3"
${fails ? 'for i in 1 2 3 4 5 6 7 8; do echo "noise $i" >&2; done; echo "cannot find package fake/grpc" >&2; exit 1' : 'exit 0'}
`, { mode: 0o755 });
}

before(() => {
  mkdirSync(join(dir, 'bin'));
  process.env.PATH = `${join(dir, 'bin')}:${saved.PATH ?? ''}`;
  process.env.XDG_CACHE_HOME = join(dir, 'cache');
});
after(() => {
  process.env.PATH = saved.PATH;
  if (saved.XDG_CACHE_HOME === undefined) delete process.env.XDG_CACHE_HOME; else process.env.XDG_CACHE_HOME = saved.XDG_CACHE_HOME;
  rmSync(dir, { recursive: true, force: true });
});

test('a failed build leaves no partial binary and reports the last lines of its stderr', () => {
  fakeGo('go1.99', true);
  assert.throws(() => buildGoProbe(), (e: Error) => /cannot find package fake\/grpc/.test(e.message) && !e.message.includes('noise 1'));
  assert.deepEqual(readdirSync(cache).filter((f) => f.startsWith('relist-probe-')), [], 'no .tmp left behind');
});

test('the cache is private (0700) and keyed by the Go version', () => {
  fakeGo('go1.99', false);
  const a = buildGoProbe();
  assert.equal(dirname(a), cache);
  assert.equal(statSync(cache).mode & 0o777, 0o700);
  assert.equal(buildGoProbe(), a, 'the same toolchain reuses the binary');
  fakeGo('go1.100', false);
  const b = buildGoProbe();
  assert.notEqual(b, a, 'another Go version builds anew');
});
