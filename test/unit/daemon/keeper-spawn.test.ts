import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaults } from '../../../src/config/config.js';
import { keeperArgs } from '../../../src/daemon/keeper-spawn.js';
import { keeperPaths } from '../../../src/daemon/platform-factory.js';
import { SMALL_HEAP_NODE_FLAGS } from '../../../src/util/node-flags.js';

test('the IO keeper is started with the small-heap flags and logs to its rotated io/keeper.log', () => {
  const cfg = { ...defaults('linux'), root: '/var/lib/wincri-test' };
  const p = keeperPaths(cfg);
  const args = keeperArgs(cfg, '/opt/wincri/dist/src/cli/main.js');
  assert.deepEqual(args, [...SMALL_HEAP_NODE_FLAGS, '/opt/wincri/dist/src/cli/main.js', 'io-keeper', '--config', p.configFile, '--log-file', p.logFile]);
  assert.equal(p.logFile, '/var/lib/wincri-test/io/keeper.log');
  assert.equal(p.outFile, '/var/lib/wincri-test/io/keeper.out');
});

test('wincri io-keeper accepts --log-file (the flag the daemon passes)', () => {
  const main = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
  const help = execFileSync(process.execPath, [main, 'io-keeper', '--log-file', '/tmp/x.log', '--help'], { encoding: 'utf8' });
  assert.match(help, /--log-file FILE/);
});
