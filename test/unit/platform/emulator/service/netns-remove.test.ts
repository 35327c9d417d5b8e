/**
 * removeNetns (netns-ops.ts) with an injected umount2: a file or mount that is not there is nothing to do; any other
 * failure is a LinuxNetError naming the path, and the file stays. Uses a plain file under /run/netns (no namespace,
 * no mount; not named wincri-*, which leak audits list); skipped where /run/netns cannot be written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { removeNetns, NETNS_RUN_DIR } from '../../../../../src/platform/emulator/service/netns-ops.js';
import { LinuxNetError } from '../../../../../src/platform/emulator/service/linuxnet-exec.js';
import type { NetlinkLibc } from '../../../../../src/platform/emulator/service/netlink-libc.js';

const [ENOENT, EBUSY, EINVAL] = [2, 16, 22];
const skip = (() => {
  try { mkdirSync(NETNS_RUN_DIR, { recursive: true }); accessSync(NETNS_RUN_DIR, constants.W_OK); return false; } catch { return `${NETNS_RUN_DIR} is not writable here`; }
})();
const lcFailing = (errno: number) => ({ umount2: () => -1, errno: () => errno, strerror: () => 'Device or resource busy' }) as unknown as NetlinkLibc;

test('removeNetns: not mounted or absent is no error; EBUSY is, naming the path, and leaves the file', { skip }, (t) => {
  const name = `fixtest-rm-${randomUUID().slice(0, 8)}`;
  const path = `${NETNS_RUN_DIR}/${name}`;
  t.after(() => rmSync(path, { force: true }));

  writeFileSync(path, '');
  removeNetns(lcFailing(EINVAL), name);
  assert.equal(existsSync(path), false, 'not a mount point (EINVAL): the file is removed');
  removeNetns(lcFailing(ENOENT), name);

  writeFileSync(path, '');
  assert.throws(() => removeNetns(lcFailing(EBUSY), name),
    (e: Error) => e instanceof LinuxNetError && e.message.includes(path) && /EBUSY/.test(e.message));
  assert.ok(existsSync(path), 'the file of a namespace still mounted stays');
});
