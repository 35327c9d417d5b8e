/**
 * useExistingBlob answers under the store mutex: asked while a collection that removes the blob runs, it answers
 * after that collection (blob gone → false, so the caller writes it again), and from then on the blob is leased.
 * (The interleaving this prevents — a collection unlinking a blob between another caller's presence check and its
 * lease — has no hook to make it deterministic; this pins the contract that rules it out.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withStore, oneLayerImage, deferred, storeImage } from './store-fixture.js';

test('useExistingBlob during a collection answers for the store as the collection leaves it, and leases the blob', () => withStore(async (store, storage) => {
  const img = oneLayerImage('gone');
  const rec = await storeImage(store, img);

  const gate = deferred();
  const entered = deferred();
  storage.gate = gate.promise;
  storage.entered = entered.resolve;
  const removing = store.remove(rec.id);
  await entered.promise;
  assert.ok(await store.hasBlob(rec.id), 'the config blob is still there while the layer is destroyed');
  const lease = store.lease();
  let answer: boolean | undefined;
  const asking = store.useExistingBlob(rec.id, lease).then((a) => { answer = a; });
  await new Promise((r) => setImmediate(r));
  assert.equal(answer, undefined, 'no answer while the collection holds the store');
  gate.resolve();
  await removing;
  await asking;
  assert.equal(answer, false, 'the collection removed the blob: the caller must write it');
  assert.equal(await store.hasBlob(rec.id), false);
  await store.ingestBuffer(img.config, undefined, lease);
  await store.gc();
  assert.ok(await store.hasBlob(rec.id), 'the blob is leased from the check on');
  lease.release();
}));
