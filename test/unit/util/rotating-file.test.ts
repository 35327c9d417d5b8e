import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RotatingFile } from '../../../src/util/rotating-file.js';

function dir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'wincri-rotate-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('rotates by size, keeps maxFiles old files, newest content in the current file', (t) => {
  const d = dir(t);
  const path = join(d, 'logs', 'wincri.log');
  const f = new RotatingFile(path, 20, 2);
  for (let i = 0; i < 10; i++) f.write(`line ${i} ........\n`); // 17 bytes: one line per file
  f.close();
  assert.deepEqual(readdirSync(join(d, 'logs')).sort(), ['wincri.log', 'wincri.log.1', 'wincri.log.2']);
  assert.equal(readFileSync(path, 'utf8'), 'line 9 ........\n');
  assert.equal(readFileSync(`${path}.1`, 'utf8'), 'line 8 ........\n');
  assert.equal(readFileSync(`${path}.2`, 'utf8'), 'line 7 ........\n');
});

test('appends to an existing file and counts its size; a line larger than the limit is still written whole', (t) => {
  const d = dir(t);
  const path = join(d, 'a.log');
  writeFileSync(path, 'x'.repeat(15));
  const f = new RotatingFile(path, 20, 1);
  f.write('12345\n'); // 15 + 6 > 20: rotates first
  f.write('y'.repeat(50) + '\n');
  f.close();
  assert.equal(readFileSync(`${path}.1`, 'utf8'), '12345\n');
  assert.equal(readFileSync(path, 'utf8'), 'y'.repeat(50) + '\n');
  assert.deepEqual(readdirSync(d).sort(), ['a.log', 'a.log.1']);
});

test('maxFiles 0 keeps only the current file', (t) => {
  const d = dir(t);
  const f = new RotatingFile(join(d, 'b.log'), 10, 0);
  f.write('aaaaaaaa\n');
  f.write('bbbbbbbb\n');
  f.close();
  assert.deepEqual(readdirSync(d), ['b.log']);
  assert.equal(readFileSync(join(d, 'b.log'), 'utf8'), 'bbbbbbbb\n');
});
