/**
 * A layer being collected is busy: an import or pull of the same chain that starts while the collection destroys
 * it waits, finds no record and imports it again, so the image it commits is complete.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withStore, oneLayerImage, deferred, storeImage, leaseBlobs } from './store-fixture.js';

for (const path of ['ensureLayers', 'ensureLayersStreaming'] as const) {
  test(`${path} during the collection of the same layer re-imports it`, () => withStore(async (store, storage) => {
    const img = oneLayerImage('base');
    const rec = await storeImage(store, img, ['a:1']);

    // The next pull already has the blobs (leased), then the image is removed and its layer collected.
    const pull = await leaseBlobs(store, img);
    const gate = deferred();
    const entered = deferred();
    storage.gate = gate.promise;
    storage.entered = entered.resolve;
    const removing = store.remove(rec.id);
    await entered.promise; // the collection is inside destroyLayer; the record is still there
    assert.ok(store.hasLayer(rec.chainIds[0]!));
    const ensuring = path === 'ensureLayers'
      ? store.ensureLayers(img.layers, img.diffIds, pull)
      : store.ensureLayersStreaming(img.layers, img.diffIds, pull, { concurrency: 1, remote: () => { throw new Error('the blob is in the store'); } });
    storage.gate = undefined;
    gate.resolve();
    await removing;
    await ensuring;
    assert.ok(store.hasLayer(rec.chainIds[0]!), 'the layer was imported again');
    const again = await store.commitImage({ config: img.config, layers: img.layers, repoTags: ['a:1'] });
    assert.equal(again.id, rec.id);
    assert.equal(storage.imports(), 2);
    pull.release();
  }));
}

test('a layer whose collection failed is forgotten: the next pull imports it again instead of using what is left', () => withStore(async (store, storage) => {
  const img = oneLayerImage('half');
  const rec = await storeImage(store, img, ['h:1']);
  storage.failNextDestroy = true;
  await store.remove(rec.id);
  assert.equal(store.hasLayer(rec.chainIds[0]!), false, 'the half-destroyed layer is not recorded');
  const pull = await leaseBlobs(store, img);
  await store.ensureLayers(img.layers, img.diffIds, pull);
  assert.equal(storage.imports(), 2, 'imported again');
  assert.equal((await store.commitImage({ config: img.config, layers: img.layers, repoTags: ['h:1'] })).id, rec.id);
  pull.release();
}));
