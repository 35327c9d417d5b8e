/** The chaos run's process scan: a fork that has not exec'd yet (its parent's command line) is not a container's own process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutForks } from '../../../bench/chaos/forks.js';

test('a process with its parent\'s command line is a fork not yet exec\'d and is left out; the shell and its helper stay', () => {
  const shell = "/usr/bin/sh -c : chaos-1-2-w3-3; i=0; while :; do echo x; sleep 0.2; done";
  const helper = `/root/emulator/bin/wincri-ns-ab enter -t 10 -- ${shell}`;
  const scan = [
    { pid: 10, ppid: 1, cmd: helper },
    { pid: 11, ppid: 10, cmd: shell },
    { pid: 12, ppid: 11, cmd: shell }, // forked for `sleep`, not exec'd yet
    { pid: 20, ppid: 999, cmd: shell }, // a shell whose parent is not in the scan (reparented): its own
  ];
  assert.deepEqual(withoutForks(scan).map((p) => p.pid), [10, 11, 20]);
});
