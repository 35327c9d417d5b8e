/** The container log path: relative to the pod log directory, never out of it; missing directories are created. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, symlinkSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerLogFile, prepareLogFile } from '../../../src/runtime/log-path.js';
import { isRuntimeError } from '../../../src/errors.js';

function dir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'wincri-logpath-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('log_path is joined to the log directory; absolute or escaping paths are InvalidArgument', () => {
  assert.equal(containerLogFile('/var/log/pods/p', 'c/0.log'), '/var/log/pods/p/c/0.log');
  assert.equal(containerLogFile('/var/log/pods/p', 'c/../d/0.log'), '/var/log/pods/p/d/0.log');
  assert.equal(containerLogFile('', 'c/0.log'), '');
  assert.equal(containerLogFile('/var/log/pods/p', ''), '');
  for (const bad of ['/etc/passwd', '../x.log', 'c/../../x.log', '..', 'C:\\x.log', '\\\\srv\\x.log']) {
    assert.throws(() => containerLogFile('/var/log/pods/p', bad), (e) => isRuntimeError(e, 'InvalidArgument'), bad);
  }
});

test('missing sub-directories (and the pod log directory) are created', async (t) => {
  const root = join(dir(t), 'pods', 'p1');
  const file = join(root, 'ctr', 'deeper', '0.log');
  await prepareLogFile(root, file);
  assert.ok(statSync(join(root, 'ctr', 'deeper')).isDirectory());
  assert.ok(!existsSync(file), 'the file itself is the IO keeper\'s to create');
  await prepareLogFile(root, file); // idempotent
});

test('a symbolic link out of the pod log directory is refused; one inside it is followed', async (t) => {
  const d = dir(t);
  const root = join(d, 'p');
  mkdirSync(join(root, 'real'), { recursive: true });
  mkdirSync(join(d, 'outside'));
  symlinkSync(join(d, 'outside'), join(root, 'out'));
  symlinkSync(join(root, 'real'), join(root, 'in'));
  await assert.rejects(prepareLogFile(root, join(root, 'out', 'sub', '0.log')), (e) => isRuntimeError(e, 'FailedPrecondition') && /symbolic link leading out/.test((e as Error).message));
  assert.ok(!existsSync(join(d, 'outside', 'sub')), 'nothing created through the link');
  symlinkSync(join(d, 'outside', 'f.log'), join(root, 'real', 'f.log'));
  await assert.rejects(prepareLogFile(root, join(root, 'real', 'f.log')), (e) => isRuntimeError(e, 'FailedPrecondition'));
  await prepareLogFile(root, join(root, 'in', 'sub', '0.log'));
  assert.ok(statSync(join(root, 'real', 'sub')).isDirectory());
  writeFileSync(join(root, 'file'), '');
  await assert.rejects(prepareLogFile(root, join(root, 'file', '0.log')), (e) => isRuntimeError(e, 'FailedPrecondition') && /not a directory/.test((e as Error).message));
});
