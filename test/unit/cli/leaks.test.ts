import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findLeaks, type Records, type PlatformView } from '../../../src/cli/doctor/leaks.js';
import { accountedNames } from '../../../src/cli/doctor/linux-objects.js';

const POD = 'a'.repeat(64), GONE = 'b'.repeat(64), CTR = 'c'.repeat(64), ORPHAN = 'd'.repeat(64);
const NS = '11111111-1111-1111-1111-111111111111', STRAY_NS = '22222222-2222-2222-2222-222222222222', FOREIGN_NS = '33333333-3333-3333-3333-333333333333';
const NET = '44444444-4444-4444-4444-444444444444', EP = '55555555-5555-5555-5555-555555555555', STRAY_EP = '66666666-6666-6666-6666-666666666666';

const records: Records = {
  sandboxes: [{ id: POD, state: 'SANDBOX_READY', namespaceId: NS }],
  containers: [{ id: CTR, sandboxId: POD, state: 'CONTAINER_RUNNING' }],
  ownedNamespaces: [NS, STRAY_NS], creating: [],
};

function view(): PlatformView {
  const v: PlatformView = {
    systems: [{ id: CTR }, { id: ORPHAN }],
    namespaces: [{ id: NS }, { id: STRAY_NS }, { id: FOREIGN_NS }],
    endpoints: [
      { id: EP, name: `${POD}_nat`, namespace: NS },
      { id: STRAY_EP, name: `${GONE}_nat` },
      { id: '77777777-7777-7777-7777-777777777777', name: 'kube-proxy-remote' },
    ],
    networks: [{ id: NET }],
  };
  const accounted = accountedNames(v);
  v.linux = {
    accounted,
    objects: {
      netns: [...accounted].filter((n) => n === 'wincri-111111111111'), links: [{ name: 'wincri-55555555', kind: 'veth' }, { name: 'wincri-44444444', kind: 'bridge' }, { name: 'wincri-deadbeef', kind: 'veth' }],
      tables: [{ family: 'ip', name: 'wincri-44444444' }, { family: 'ip', name: 'wincri-0badf00d' }],
    },
  };
  v.linux.objects.netns.push('wincri-999999999999');
  return v;
}

test('leaks: exactly the objects no pod or container owns', () => {
  const r = findLeaks(records, view());
  assert.deepEqual(r.leaks.map((l) => `${l.kind} ${l.id}`).sort(), [
    `compute-system ${ORPHAN}`,
    `hns-endpoint ${STRAY_EP}`,
    `hns-namespace ${STRAY_NS}`,
    'link wincri-deadbeef',
    'netns wincri-999999999999',
    'nft-table ip wincri-0badf00d',
  ]);
  assert.deepEqual(r.undecided, []);
});

test('leaks: objects of a pod being created are never leaks', () => {
  const r = findLeaks({ ...records, creating: [GONE] }, view());
  assert.ok(!r.leaks.some((l) => l.kind === 'hns-endpoint' || l.kind === 'hns-namespace'));
  assert.equal(r.undecided.length, 1);
  assert.match(r.undecided[0]!, new RegExp(STRAY_NS));
});

test('leaks: an endpoint inside a leaked namespace is a leak, the namespace\'s own netns is accounted by HNS', () => {
  const v = view();
  v.endpoints.push({ id: '88888888-8888-8888-8888-888888888888', name: 'manual', namespace: STRAY_NS });
  const r = findLeaks(records, v);
  assert.ok(r.leaks.some((l) => l.id === '88888888-8888-8888-8888-888888888888' && /leaked namespace/.test(l.why)));
});

test('leaks: Linux objects marked by another emulator instance on the host are not this instance\'s to judge', () => {
  const objects = {
    netns: ['wincri-aaaaaaaaaaaa', 'wincri-bbbbbbbbbbbb', 'wincri-cccccccccccc'],
    links: [{ name: 'wincri-aaaaaaaa', kind: 'veth' }, { name: 'wincri-bbbbbbbb', kind: 'bridge' }],
    tables: [{ family: 'ip', name: 'wincri-aaaaaaaa' }, { family: 'ip', name: 'wincri-bbbbbbbb' }],
    owners: new Map([['wincri-aaaaaaaaaaaa', '11111111'], ['wincri-aaaaaaaa', '11111111'], ['ip wincri-aaaaaaaa', '11111111'],
      ['wincri-bbbbbbbbbbbb', '22222222'], ['wincri-bbbbbbbb', '22222222'], ['ip wincri-bbbbbbbb', '22222222']]),
  };
  const records = { sandboxes: [], containers: [], ownedNamespaces: [], creating: [] };
  const audit = (instance?: string) => findLeaks(records, { systems: [], namespaces: [], endpoints: [], networks: [], linux: { objects, accounted: new Set(), instance } })
    .leaks.map((l) => l.id).sort();
  assert.deepEqual(audit('11111111'), ['ip wincri-aaaaaaaa', 'wincri-aaaaaaaa', 'wincri-aaaaaaaaaaaa', 'wincri-cccccccccccc']);
  assert.deepEqual(audit('22222222'), ['ip wincri-bbbbbbbb', 'wincri-bbbbbbbb', 'wincri-bbbbbbbbbbbb', 'wincri-cccccccccccc']);
  assert.equal(audit(undefined).length, 7, 'without an instance (older callers) everything is judged, as before');
});

test('leaks: a gMSA credential guard instance wincri added for a container it has no record of is a leak; others are not', () => {
  const FOREIGN = 'e'.repeat(64), BEING_MADE = 'f'.repeat(64);
  const rec: Records = { ...records, ownedCredentialGuards: [CTR, ORPHAN, BEING_MADE], creating: [BEING_MADE] };
  const v = { ...view(), credentialGuards: [CTR, ORPHAN, FOREIGN, BEING_MADE] };
  const guards = findLeaks(rec, v).leaks.filter((l) => l.kind === 'credential-guard');
  assert.deepEqual(guards.map((l) => l.id), [ORPHAN], 'the container\'s own, another runtime\'s and one being created are not leaks');
  assert.match(guards[0]!.why, /no container record/);
  assert.ok(!findLeaks(records, { ...view(), credentialGuards: [ORPHAN] }).leaks.some((l) => l.kind === 'credential-guard'),
    'without a wincri marker the instance is not ours to judge');
});

test('leaks: a journalled removal that keeps failing is a leak with its error; unsettled removals make objects undecided', () => {
  const objects = { netns: ['wincri-aaaaaaaaaaaa'], links: [{ name: 'wincri-aaaaaaaa', kind: 'veth' }, { name: 'wincri-bbbbbbbb', kind: 'veth' }], tables: [] };
  const records = { sandboxes: [], containers: [], ownedNamespaces: [], creating: [] };
  const base = { systems: [], namespaces: [], endpoints: [], networks: [] };
  const failing = new Map([['wincri-aaaaaaaa', 'removal failing (3×): RTNETLINK answers: Device or resource busy']]);
  const r = findLeaks(records, { ...base, linux: { objects, accounted: new Set(['wincri-bbbbbbbb']), failing } });
  assert.deepEqual(r.leaks.map((l) => [l.id, l.why]), [
    ['wincri-aaaaaaaaaaaa', 'no HNS namespace accounts for it'],
    ['wincri-aaaaaaaa', 'removal failing (3×): RTNETLINK answers: Device or resource busy'],
  ]);
  assert.deepEqual(r.undecided, []);
  const u = findLeaks(records, { ...base, linux: { objects, accounted: new Set(['wincri-bbbbbbbb']), failing, unsettled: 'no answer within 3000 ms' } });
  assert.deepEqual(u.leaks.map((l) => l.id), ['wincri-aaaaaaaa'], 'a failing removal is reported even when the rest is unsettled');
  assert.equal(u.undecided.length, 2);
  assert.match(u.undecided[0]!, /removals not settled \(no answer within 3000 ms\)/);
  assert.match(u.undecided[1]!, /netns wincri-aaaaaaaaaaaa/);
});
