/** The containerd peer's inotify room (bench/peer/inotify.ts): which failures are inotify's, and the advice given. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INOTIFY_LIMITS, inotifyAdvice, outOfInotify } from '../../../bench/peer/inotify.js';

test('containerd out of inotify room: recognised in its log; the advice names both settings and keeps the log', () => {
  const cri = 'level=warning msg="failed to load plugin io.containerd.grpc.v1.cri" error="failed to create CRI service: failed to create cni conf monitor for default: failed to create fsnotify watcher: too many open files"';
  assert.equal(outOfInotify(cri), true);
  assert.equal(outOfInotify('level=warning msg="failed to load plugin io.containerd.snapshotter.v1.btrfs"'), false);
  const advice = inotifyAdvice(cri);
  assert.match(advice, new RegExp(`sysctl -w fs.inotify.max_user_instances=${INOTIFY_LIMITS.max_user_instances} fs.inotify.max_user_watches=${INOTIFY_LIMITS.max_user_watches}`));
  assert.match(advice, /fs\.inotify\.max_user_instances=\d+, fs\.inotify\.max_user_watches=\d+/, 'the current values');
  assert.ok(advice.endsWith(cri), 'containerd\'s own words follow');
});
