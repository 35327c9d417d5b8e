/** The emulator's networking facts as the Status condition operators read in `crictl info`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkingDiagnostics, isolationDiagnostics } from '../../../../src/platform/emulator/diagnostics.js';

const base = { SupportedSchemaVersions: [{ Major: 2, Minor: 1 }] };

test('no real networking: the reason and what to install', () => {
  const [c] = networkingDiagnostics({ ...base, Networking: { LinuxNetworking: false, PacketsFlow: false, Reason: 'the emulator service does not run as root' } });
  assert.equal(c!.type, 'EmulatorNetworking');
  assert.equal(c!.ok, false);
  assert.equal(c!.reason, 'NoLinuxNetworking');
  assert.match(c!.message, /host network namespace.*the emulator service does not run as root.*apt-get install iproute2 nftables/);
});

test('networks degraded to bookkeeping are named; real networking is ok; no facts, no condition', () => {
  const [d] = networkingDiagnostics({ ...base, Networking: { LinuxNetworking: true, PacketsFlow: true, Degraded: [{ Network: 'wincri-default', Reason: 'packets do not flow: subnet overlaps' }] } });
  assert.deepEqual(d, { type: 'EmulatorNetworking', ok: false, reason: 'NetworkDegraded', message: 'network wincri-default: packets do not flow: subnet overlaps' });
  assert.deepEqual(networkingDiagnostics({ ...base, Networking: { LinuxNetworking: true, PacketsFlow: true } }), [{ type: 'EmulatorNetworking', ok: true, reason: '', message: '' }]);
  assert.deepEqual(networkingDiagnostics({ ...base }), []);
});

test('isolation: not isolated, isolated through util-linux (no C compiler), isolated through the namespace helper', () => {
  assert.deepEqual(isolationDiagnostics({ ...base, Isolation: { Enabled: false, Reason: 'the emulator is not running as root' } }),
    [{ type: 'EmulatorIsolation', ok: false, reason: 'NotIsolated', message: 'the emulator is not running as root' }]);
  const [shell] = isolationDiagnostics({ ...base, Isolation: { Enabled: true, Launcher: { Kind: 'shell', Reason: 'the namespace helper needs a C compiler' } } });
  assert.equal(shell!.reason, 'NoNamespaceHelper');
  assert.match(shell!.message, /C compiler.*Install gcc/);
  assert.deepEqual(isolationDiagnostics({ ...base, Isolation: { Enabled: true, Launcher: { Kind: 'helper' } } }),
    [{ type: 'EmulatorIsolation', ok: true, reason: '', message: '' }]);
  assert.deepEqual(isolationDiagnostics(base), []);
});

test('isolation: whether cgroup joins favour dynamic changes (favordynmods) is told, with why not', () => {
  const iso = (dyn: object) => isolationDiagnostics({ ...base, Isolation: { Enabled: true, Launcher: { Kind: 'helper' }, CgroupFavorDynmods: dyn } })[0]!;
  assert.match(iso({ Applied: true }).message, /favordynmods/);
  assert.match(iso({ Applied: true, Path: '/state/cgroup-dynmods' }).message, /at \/state\/cgroup-dynmods/);
  const off = iso({ Applied: false, Reason: 'kernel 5.10.0 is older than 6.1' });
  assert.equal(off.ok, true);
  assert.match(off.message, /RCU grace period.*older than 6\.1/);
});
