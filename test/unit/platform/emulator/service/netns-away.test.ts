/**
 * The return of the main thread to its own network namespace (netns-ops.ts awayFromOwnNetns), with an injected
 * setns: back → body's result or error as is; not back → what body made is released, the failure (and body's own
 * error) logged, and the service ended (`die`, which throws here instead of exiting). Pure: no namespace changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { awayFromOwnNetns } from '../../../../../src/platform/emulator/service/netns-ops.js';
import type { NetlinkLibc } from '../../../../../src/platform/emulator/service/netlink-libc.js';

const EPERM = 1;
const fakeLc = (setnsResult: number) => ({
  setns: () => setnsResult, errno: () => EPERM, strerror: () => 'Operation not permitted',
}) as unknown as NetlinkLibc;

class Died extends Error {}
function harness(setnsResult: number) {
  const logs: string[] = [];
  const released: string[] = [];
  const died: string[] = [];
  const run = <T extends string>(body: () => T) => awayFromOwnNetns(fakeLc(setnsResult), (m) => logs.push(m), body, (s) => released.push(s),
    (why) => { died.push(why); throw new Died(why); });
  return { logs, released, died, run };
}

test('back in its own namespace: the body\'s result, or its error, unchanged; nothing logged or ended', () => {
  const h = harness(0);
  assert.equal(h.run(() => 'sock'), 'sock');
  const boom = new Error('bind failed');
  assert.throws(() => h.run(() => { throw boom; }), (e) => e === boom);
  assert.deepEqual([h.logs, h.released, h.died], [[], [], []]);
});

test('stuck in the other namespace after a body that made something: it is released, the service ends', () => {
  const h = harness(-1);
  assert.throws(() => h.run(() => 'sock'), Died);
  assert.deepEqual(h.released, ['sock'], 'the socket (which would keep the pod namespace alive) is closed');
  assert.equal(h.died.length, 1);
  assert.match(h.died[0]!, /could not return to its own network namespace \(Operation not permitted \(EPERM\)\)/);
  assert.deepEqual(h.logs, h.died, 'logged before ending');
});

test('stuck after a body that failed: the message names the body\'s own error too', () => {
  const h = harness(-1);
  assert.throws(() => h.run(() => { throw new Error('netlink bind: Address in use'); }), Died);
  assert.deepEqual(h.released, []);
  assert.match(h.died[0]!, /EPERM.*after the step inside failed: netlink bind: Address in use/);
});
