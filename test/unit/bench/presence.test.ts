/** The chaos run's presence check: a ready pod without its HNS namespace, a running container without its compute system. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incomplete } from '../../../bench/chaos/presence.js';

test('ready pods need their namespace and running containers their compute system; other states need nothing', () => {
  const records = {
    sandboxes: [
      { id: 'p1'.padEnd(64, '0'), state: 'SANDBOX_READY', namespaceId: 'ns-1' },
      { id: 'p2'.padEnd(64, '0'), state: 'SANDBOX_READY', namespaceId: 'ns-2' },
      { id: 'p3'.padEnd(64, '0'), state: 'SANDBOX_NOTREADY', namespaceId: 'ns-3' },
      { id: 'p4'.padEnd(64, '0'), state: 'SANDBOX_READY' },
    ],
    containers: [
      { id: 'c1'.padEnd(64, '0'), sandboxId: 'p1', state: 'CONTAINER_RUNNING' },
      { id: 'c2'.padEnd(64, '0'), sandboxId: 'p1', state: 'CONTAINER_RUNNING' },
      { id: 'c3'.padEnd(64, '0'), sandboxId: 'p1', state: 'CONTAINER_EXITED' },
    ],
    ownedNamespaces: [], creating: [],
  };
  const view = { namespaces: [{ id: 'ns-1' }], systems: [{ id: 'c1'.padEnd(64, '0') }] };
  assert.deepEqual(incomplete(records, view), [
    'INCOMPLETE pod p20000000000: ready, but its HNS namespace ns-2 is gone',
    'INCOMPLETE container c20000000000: running, but its compute system is gone',
  ]);
  assert.deepEqual(incomplete(records, { namespaces: [{ id: 'ns-1' }, { id: 'ns-2' }], systems: [{ id: 'c1'.padEnd(64, '0') }, { id: 'c2'.padEnd(64, '0') }] }), []);
});
