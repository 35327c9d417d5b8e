/** The daemon's log file (config logFile): JSON lines, rotated by size and count, nothing left on stderr. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, call } from './harness.js';

let d: Daemon | undefined;
after(async () => { await d?.destroy(); });

test('logFile rotates by size and keeps logFileMaxFiles old files of JSON lines', async () => {
  d = new Daemon('wincri-logging');
  const file = join(d.dir, 'log', 'wincri.log');
  // ~2 KB per file; info-level RPC lines (UpdateRuntimeConfig is not a quiet method) fill several files.
  appendFileSync(d.configFile, `logFile: ${JSON.stringify(file)}\nlogFileMaxSizeMB: 0.002\nlogFileMaxFiles: 2\n`);
  await d.start();
  for (let i = 0; i < 40; i++) await call(d.runtime, 'UpdateRuntimeConfig', { runtimeConfig: {} });
  const files = readdirSync(join(d.dir, 'log')).sort();
  assert.deepEqual(files, ['wincri.log', 'wincri.log.1', 'wincri.log.2']);
  for (const f of files) {
    const text = readFileSync(join(d.dir, 'log', f), 'utf8');
    assert.ok(statSync(join(d.dir, 'log', f)).size <= 0.002 * 1024 * 1024 + 1024, `${f} stays near the limit`);
    for (const line of text.split('\n').filter(Boolean)) assert.doesNotThrow(() => JSON.parse(line), line);
  }
  const recent = readFileSync(file, 'utf8') + readFileSync(`${file}.1`, 'utf8');
  assert.match(recent, /"msg":"UpdateRuntimeConfig"/);
  assert.doesNotMatch(readFileSync(d.logFile, 'utf8'), /"msg":"UpdateRuntimeConfig"/, 'RPC lines go to the file, not stderr');
});
