import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger, setLogFormat, setLogLevel } from '../../../src/util/log.js';
import { logToFile } from '../../../src/util/log-file.js';

test('logToFile: lines go to a file rotated by size and count, as JSON when the format is auto; restore puts stderr back', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'wincri-logfile-'));
  t.after(() => { setLogFormat('auto'); rmSync(d, { recursive: true, force: true }); });
  setLogLevel('info');
  setLogFormat('auto');
  const path = join(d, 'io', 'keeper.log');
  const restore = logToFile(path, { logFormat: 'auto', logFileMaxSizeMB: 600 / (1024 * 1024), logFileMaxFiles: 2 });
  const log = logger('io-keeper');
  for (let i = 0; i < 40; i++) log.info('container output attached', { container: `c${i}`, pad: 'x'.repeat(40) });
  restore();
  log.info('after restore'); // back on stderr: not in the file
  assert.deepEqual(readdirSync(join(d, 'io')).sort(), ['keeper.log', 'keeper.log.1', 'keeper.log.2']);
  const lines = [path, `${path}.1`, `${path}.2`].flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean));
  const parsed = lines.map((l) => JSON.parse(l) as { msg: string; container: string; component: string });
  assert.ok(parsed.every((o) => o.msg === 'container output attached' && o.component === 'io-keeper'));
  assert.ok(parsed.length < 40, 'the oldest lines were rotated away');
  const current = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { container: string });
  assert.equal(current.at(-1)!.container, 'c39', 'the newest line is in the current file');
  for (const f of [path, `${path}.1`, `${path}.2`]) assert.ok(readFileSync(f).length <= 600 + 200, `${f} stays near the size limit`);
});
