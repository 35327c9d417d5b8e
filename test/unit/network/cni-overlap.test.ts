/**
 * Set-up overlapped with the caller's steps: the attachment's first record is written while the namespace is
 * created (namespaceReady) and no plugin runs before it exists; a namespace that fails drops that record; the
 * result's record is handed back in flight (`recorded`) and is on disk once it settles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CniManager, type PodNetworkRequest } from '../../../src/network/index.js';
import { fakeCniDir, type FakeCall } from '../../helpers/fake-cni.js';
import { waitFor } from '../../helpers/wait-for.js';

const poll = { timeoutMs: 120_000, intervalMs: 5 };

function env(t: { after(fn: () => void): void }) {
  const { dir, bin, conf, log, calls: all } = fakeCniDir(t, 'wincri-cni-overlap-');
  writeFileSync(join(conf, '10-net.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'net', plugins: [{ type: 'fake-net', log }] }));
  const calls = (): FakeCall[] => all().filter((c) => c.cmd !== 'VERSION');
  const cacheFile = (id: string) => join(dir, 'cache', `${id}.json`);
  const make = () => new CniManager({ confDir: conf, binDirs: [bin], timeoutSeconds: 5, cacheDir: join(dir, 'cache') });
  return { calls, cacheFile, mgr: make(), make };
}

const req = (id: string, namespaceReady?: Promise<unknown>): PodNetworkRequest => ({
  sandboxId: id, namespaceId: '11111111-2222-3333-4444-555555555555', pod: { name: 'p', namespace: 'ns', uid: 'u1' },
  portMappings: [], annotations: {}, namespaceReady,
});

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

test('the first record is on disk before the namespace exists; no plugin runs until it does; the result is recorded', async (t) => {
  const e = env(t);
  const ns = deferred();
  const setUp = e.mgr.setUp(req('sb1', ns.promise));
  await waitFor('the record of sb1', () => existsSync(e.cacheFile('sb1')), poll);
  assert.equal(JSON.parse(readFileSync(e.cacheFile('sb1'), 'utf8')).state, 'adding');
  assert.deepEqual(e.calls().filter((c) => c.cmd === 'ADD'), [], 'no ADD before the namespace exists');
  ns.resolve();
  const { ips, recorded } = await setUp;
  assert.equal(ips.length, 1);
  assert.ok(recorded, 'the result record is handed back');
  await recorded;
  const rec = JSON.parse(readFileSync(e.cacheFile('sb1'), 'utf8')) as { state: string; result: unknown };
  assert.equal(rec.state, 'added');
  assert.ok(rec.result);
  await e.mgr.tearDown(req('sb1'));
  assert.equal(existsSync(e.cacheFile('sb1')), false);
  assert.deepEqual(e.calls().map((c) => c.cmd), ['ADD', 'DEL']);
});

test('a namespace that cannot be created fails set-up with its error, runs no plugin and drops the first record', async (t) => {
  const e = env(t);
  const ns = deferred();
  const setUp = e.mgr.setUp(req('sb2', ns.promise));
  await waitFor('the record of sb2', () => existsSync(e.cacheFile('sb2')), poll);
  const failure = new Error('namespace creation failed');
  ns.reject(failure);
  await assert.rejects(setUp, (err) => err === failure);
  assert.equal(existsSync(e.cacheFile('sb2')), false);
  assert.deepEqual(e.calls(), []);
});

test('a crash between the pod record and the result record: after a restart, DEL runs with the first record and clears it', async (t) => {
  const e = env(t);
  const ns = deferred();
  const setUp = e.mgr.setUp(req('sb3', ns.promise));
  await waitFor('the record of sb3', () => existsSync(e.cacheFile('sb3')), poll);
  const first = readFileSync(e.cacheFile('sb3'), 'utf8'); // what is on disk while the plugins run
  ns.resolve();
  await (await setUp).recorded;
  writeFileSync(e.cacheFile('sb3'), first); // the result's rename never happened
  await e.make().tearDown(req('sb3')); // a restarted daemon's manager
  const del = e.calls().filter((c) => c.cmd === 'DEL');
  assert.equal(del.length, 1);
  assert.equal(del[0]!.conf.prevResult, undefined, 'DEL without a result, as after an interrupted ADD');
  assert.equal(del[0]!.env.CNI_CONTAINERID, 'sb3');
  assert.equal(existsSync(e.cacheFile('sb3')), false);
});
