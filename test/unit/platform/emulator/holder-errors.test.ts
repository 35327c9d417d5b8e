/**
 * A namespace holder that does not start says why in one machine-readable line (holder-errors.ts): each class
 * gives its HRESULT and leading sentence, the message a person reads follows; the compiled helper writes the
 * line for each failing step, and the service's error carries it (helper and util-linux chain alike).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOLDER_ERROR_CLASSES, holderFailure, parseHolderStderr } from '../../../../src/platform/emulator/service/holder-errors.js';
import { isolationFacts, startIsolatedHolder } from '../../../../src/platform/emulator/service/isolation.js';
import { cgroupSupport } from '../../../../src/platform/emulator/service/cgroup-support.js';
import { mountListText, bindEntry } from '../../../../src/platform/emulator/service/mount-table.js';
import { nsHelper } from '../../../../src/platform/emulator/service/ns-helper.js';
import { PlatformError } from '../../../../src/platform/hresult.js';

const EXPECT: Record<string, { hr: string; lead: RegExp }> = {
  cgroup: { hr: 'ERROR_NOT_ENOUGH_QUOTA', lead: /cannot join the system's cgroup/ },
  netns: { hr: 'E_FAIL', lead: /pod's network namespace is gone or cannot be opened/ },
  join: { hr: 'E_FAIL', lead: /hosting system's namespaces cannot be opened/ },
  namespace: { hr: 'E_FAIL', lead: /namespaces cannot be made or entered/ },
  mount: { hr: 'E_FAIL', lead: /file system cannot be mounted/ },
  root: { hr: 'E_FAIL', lead: /root cannot be entered/ },
  hostname: { hr: 'E_FAIL', lead: /host name cannot be set/ },
  usage: { hr: 'E_FAIL', lead: /called wrongly/ },
  setup: { hr: 'E_FAIL', lead: /cannot be set up/ },
};

test('holder report: every class maps to its HRESULT and lead; the person\'s lines are kept, the report line is not', () => {
  assert.deepEqual([...HOLDER_ERROR_CLASSES].sort(), Object.keys(EXPECT).sort());
  for (const cls of HOLDER_ERROR_CLASSES) {
    const e = holderFailure('HcsStartComputeSystem', `wincri-ns-error ${cls} 2 some-step\nwincri-ns: what went wrong: No such file or directory\n`);
    assert.equal(e.code, EXPECT[cls]!.hr, cls);
    assert.match(e.message, EXPECT[cls]!.lead, cls);
    assert.match(e.message, /\(some-step, ENOENT\): wincri-ns: what went wrong: No such file or directory$/, cls);
    assert.doesNotMatch(e.message, /wincri-ns-error/);
  }
  // Out of processes or memory is the node's limit whatever the step.
  assert.equal(holderFailure('op', 'wincri-ns-error setup 11 fork\n').code, 'ERROR_NOT_ENOUGH_QUOTA');
  // No report (killed, a tool of the shell chain): E_FAIL with what it said; words alone classify nothing.
  const bare = holderFailure('op', 'echo: write error: cgroup.procs cannot join cgroup\n');
  assert.equal(bare.code, 'E_FAIL');
  assert.match(bare.message, /cannot isolate the compute system: echo: write error/);
  assert.match(holderFailure('op', '').message, /namespace holder did not start/);
  // Unknown classes and malformed lines are not reports.
  assert.equal(parseHolderStderr('wincri-ns-error bogus 1 x\nwincri-ns-error cgroup x y\n').report, undefined);
  assert.deepEqual(parseHolderStderr('a\nwincri-ns-error mount 0 mount\nb\n'), { report: { cls: 'mount', errno: 0, step: 'mount' }, text: 'a\nb' });
});

const facts = isolationFacts();
const skip = facts.Enabled ? false : `no isolation here: ${facts.Reason}`;
// One state dir for the file: the helper is built once per process (ns-helper.ts) into the first one asked.
const shared = mkdtempSync(join(tmpdir(), 'wincri-holder-err-'));
after(() => rmSync(shared, { recursive: true, force: true }));

test('the compiled helper reports each failing step of a holder', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-holder-err-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const helper = await nsHelper(shared);
  assert.ok(helper, 'gcc is installed by test/setup.mjs');
  const root = join(dir, 'root');
  mkdirSync(root);
  const empty = join(dir, 'empty.mounts');
  writeFileSync(empty, '');
  const missing = join(dir, 'missing.mounts');
  writeFileSync(missing, mountListText([bindEntry(join(dir, 'no-such-source'), join(root, 'x'), false)]));
  const cut = join(dir, 'cut.mounts');
  writeFileSync(cut, '4096\0');
  const run = (...args: string[]) => {
    const r = spawnSync(helper!, ['holder', ...args], { encoding: 'utf8', timeout: 10_000 });
    assert.notEqual(r.status, 0, `it fails: ${r.stderr}`);
    return { ...parseHolderStderr(r.stderr), stderr: r.stderr };
  };
  const cases: [string[], string, string, RegExp][] = [
    [[], 'usage', 'arguments', /usage: wincri-ns holder/],
    [['-r', root, '-m', empty, '-n', '/run/netns/wincri-no-such-netns'], 'netns', 'open-netns', /cannot open \/run\/netns\/wincri-no-such-netns/],
    [['-r', root, '-m', empty, '-j', '999999999'], 'join', 'open-join', /cannot open \/proc\/999999999\/ns\/pid/],
    [['-r', join(dir, 'no-such-root'), '-m', empty], 'root', 'chroot', /cannot change root to/],
    [['-r', root, '-m', missing], 'mount', 'mount', /cannot mount on .*\/x/],
    [['-r', root, '-m', cut], 'mount', 'parse-mounts', /malformed mount list/],
    [['-r', root, '-m', join(dir, 'no-such.mounts')], 'mount', 'read-mounts', /cannot read/],
    [['-r', root, '-m', empty, '-h', 'h'.repeat(80)], 'hostname', 'sethostname', /sethostname/],
    [['-r', root, '-m', empty, '-c', '/dev/null/x/cgroup.procs'], 'cgroup', 'join-cgroup', /cannot join cgroup \/dev\/null\/x\/cgroup\.procs/],
  ];
  for (const [args, cls, step, said] of cases) {
    const r = run(...args);
    assert.equal(r.report?.cls, cls, r.stderr);
    assert.equal(r.report?.step, step, r.stderr);
    assert.match(r.text, said, 'the message a person reads is still there');
  }
});

test('a holder that fails reaches the caller classified, through the helper and the util-linux chain', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-holder-err-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stateDir = shared;
  const helper = await nsHelper(stateDir);
  const root = join(dir, 'root');
  mkdirSync(root);
  const base = { root, mappings: [], stateDir, systemId: 'failing' };
  const fail = (spec: Partial<Parameters<typeof startIsolatedHolder>[0]>) =>
    startIsolatedHolder({ ...base, ...spec }).then(() => assert.fail('the holder started'), (e: unknown) => e as PlatformError);
  const netns = await fail({ helper, netns: 'wincri-no-such-netns' });
  assert.equal(netns.code, 'E_FAIL');
  assert.match(netns.message, /pod's network namespace is gone or cannot be opened \(open-netns, ENOENT\): wincri-ns: cannot open/);
  const sup = cgroupSupport();
  if (!sup) return;
  const cgroup = { version: sup.version, dirs: sup.roots.map(() => '/dev/null/x') };
  for (const h of [helper, undefined]) {
    const e = await fail({ helper: h, cgroup });
    assert.equal(e.code, 'ERROR_NOT_ENOUGH_QUOTA', `${h ? 'helper' : 'shell'}: ${e.message}`);
    assert.match(e.message, /cannot join the system's cgroup \(join-cgroup/);
  }
});
