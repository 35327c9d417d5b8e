/**
 * An endpoint's attach, in one `ip` process (LinuxNet with a scratch directory, netlink off) and over rtnetlink (where
 * koffi and glibc are there): the host side enslaved and up, the peer's MAC, address, state and routes set inside the
 * namespace; a failing step inside undoes the veth — one refused before anything is made (on the netlink path), one
 * the kernel refuses after the veth exists; no batch file stays behind. Root only; runs in the serial lane
 * (test/run.mjs: test/unit/platform/emulator). The rtnetlink variant is skipped where netlink cannot be used.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootNetworkingSkipReason } from '../../../helpers/netns.js';
import { LinuxNet, LinuxNetError, netnsName, bridgeName, vethName, run } from '../../../../src/platform/emulator/service/linuxnet.js';
import { NetlinkLinks } from '../../../../src/platform/emulator/service/netlink-link.js';

const skipRoot = rootNetworkingSkipReason();
const skipNetlink = NetlinkLinks.get(() => undefined) ? false : 'netlink is off here (WINCRI_EMULATOR_NETLINK=0, or no koffi/glibc): LinuxNet would use ip';

for (const netlink of [false, true]) {
  const skip = skipRoot || (netlink && skipNetlink);
  test(`endpoint attach ${netlink ? 'over rtnetlink' : 'in one ip process'}: host side enslaved and up, inside configured; a failing inside step removes the veth`, { skip }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wincri-attach-'));
    const scratch = join(dir, 'ip-batch');
    const net = new LinuxNet(() => undefined, 'abcd1234', scratch, netlink);
    const ns = netnsName(randomUUID());
    const network = randomUUID();
    const [good, bad] = [randomUUID(), randomUUID()];
    t.after(async () => {
      await net.detachEndpoint(good); await net.detachEndpoint(bad);
      await net.deleteNetns(ns); await net.deleteNetwork(network);
      rmSync(dir, { recursive: true, force: true });
    });
    await net.createNetns(ns);
    await net.createBridge({ id: network, prefix: 24, masquerade: false });
    await net.attachEndpoint({
      id: good, netns: ns, ifName: 'eth0', bridge: bridgeName(network), mac: '00-15-5D-12-34-56', ip: '10.251.7.2', prefix: 24,
      routes: [{ dst: '0.0.0.0/0', via: '10.251.7.1' }],
    });
    const inside = (await run('ip', ['-n', ns, '-d', 'addr', 'show', 'eth0'])).stdout;
    assert.match(inside, /link\/ether 00:15:5d:12:34:56/);
    assert.match(inside, /inet 10\.251\.7\.2\/24/);
    assert.match(inside, /<[^>]*\bUP\b[^>]*>/, 'eth0 is up');
    assert.match((await run('ip', ['-n', ns, 'route', 'show', 'default'])).stdout, /default via 10\.251\.7\.1 dev eth0 onlink/);
    assert.match((await run('ip', ['-n', ns, 'link', 'show', 'lo'])).stdout, /<[^>]*\bUP\b[^>]*>/, 'lo is up');
    const hostSide = (await run('ip', ['-d', 'link', 'show', vethName(good)])).stdout;
    assert.match(hostSide, new RegExp(`master ${bridgeName(network)}`));
    assert.match(hostSide, /alias wincri-instance=abcd1234/);

    // `route replace` to an address that is not one (refused by ip's parser after the host line made the veth; on the
    // netlink path before anything is made), then to a prefix with host bits set, which the kernel refuses once the
    // veth exists, its peer is configured and up: either way the veth goes.
    for (const [dst, refused] of [['10.251.300.0/24', /10\.251\.300\.0/], ['10.7.0.5/8', /10\.7\.0\.5\/8/]] as const) {
      await assert.rejects(net.attachEndpoint({
        id: bad, netns: ns, ifName: 'eth1', bridge: bridgeName(network), ip: '10.251.7.3', prefix: 24, routes: [{ dst }],
      }), (e: Error) => e instanceof LinuxNetError && refused.test(e.message) && (!netlink || dst !== '10.7.0.5/8' || /EINVAL/.test(e.message)));
      assert.equal((await run('ip', ['link', 'show', vethName(bad)])).code !== 0, true, `the failed endpoint (${dst}) left no veth`);
      assert.equal((await run('ip', ['-n', ns, 'link', 'show', 'eth1'])).code !== 0, true, 'nor a peer in the namespace');
    }
    assert.deepEqual(readdirSync(scratch), [], 'no batch file stays behind');
  });
}
