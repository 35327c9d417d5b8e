/**
 * The keeper's attach hub is made over the stdin its caller passes and changes nothing on the entry: the caller
 * keeps the stdin (heldStdin, which makes its expected errors harmless) itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { attachHub, heldStdin } from '../../../src/container-io/keeper-hub.js';
import { newEntry } from '../../../src/container-io/keeper-state.js';
import type { KeeperContext } from '../../../src/container-io/keeper-context.js';
import type { Logger } from '../../../src/util/log.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const k = { log: quiet } as unknown as KeeperContext;
const record = { version: 1 as const, containerId: 'c1', systemId: 's1', pid: 7, logPath: '', startedAt: '0', tty: true };

test('attachHub leaves the entry and the stdin stream as they were', () => {
  const entry = newEntry(record, 'running');
  const stdin = new PassThrough();
  const hub = attachHub(k, entry, stdin);
  assert.ok(hub);
  assert.equal(entry.stdin, undefined, 'the entry\'s stdin is the caller\'s to set');
  assert.equal(stdin.listenerCount('error'), 0, 'no error handler added behind the caller\'s back');
});

test('heldStdin: the stream is returned with its errors handled (EPIPE after the exit does not throw)', () => {
  const stdin = new PassThrough();
  assert.equal(heldStdin(stdin), stdin);
  assert.equal(stdin.listenerCount('error'), 1);
  stdin.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  assert.equal(heldStdin(undefined), undefined);
});
