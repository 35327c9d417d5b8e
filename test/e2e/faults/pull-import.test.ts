/**
 * Fault injection of the storage calls of PullImage: the layer import (importLayer) and its usage walk
 * (layerUsage) failing with each HRESULT of the CI subset. The pull returns the code the HRESULT maps to (as any
 * platform call: not Unavailable for all) with a message naming the pull, the operation, the HRESULT and what to do;
 * no image is recorded; the retry pulls the image.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { Daemon, call } from '../harness.js';
import { startRegistry, makeImage, Pusher, type Registry } from '../../helpers/registry.js';
import { createEmulatorPlatform, type EmulatorPlatform } from '../../../src/platform/emulator/index.js';
import type { HResultName } from '../../../src/platform/hresult.js';
import { join } from 'node:path';
import { failOnce, type FaultOp } from './common.js';

const HRESULTS: HResultName[] = ['E_FAIL', 'HCS_E_SERVICE_NOT_AVAILABLE', 'E_ACCESSDENIED'];
const img = makeImage({ layers: [{ 'Windows/base.txt': 'base' }, { 'app/x.txt': 'x' }] });
let d: Daemon;
let reg: Registry;
let platform: EmulatorPlatform;

before(async () => {
  reg = await startRegistry();
  await new Pusher({ url: reg.url }).image('faults/app', '1', img);
  d = new Daemon('wincri-pullfaults');
  appendFileSync(d.configFile, `\nregistries:\n  "${reg.host}":\n    insecure: true\n`);
  await d.start();
  platform = await createEmulatorPlatform({ stateDir: join(d.root, 'emulator') });
});
after(async () => {
  await platform?.clearFaults().catch(() => undefined);
  await platform?.close().catch(() => undefined);
  await d?.destroy();
  await reg?.stop();
});

const OPS: FaultOp[] = ['importLayer', 'layerUsage'];
for (const op of OPS) {
  test(`${op} failing in PullImage: mapped code naming the HRESULT, no image recorded, the retry pulls`, async () => {
    for (const hr of HRESULTS) {
      const ref = `${reg.host}/faults/app:1`;
      const where = `${op} × ${hr} in PullImage`;
      const err = await failOnce(platform, op, hr, () => call(d.image, 'PullImage', { image: { image: ref } }, 120_000), where);
      assert.match(err.details, new RegExp(`pulling ${ref}: ${op}`), `${where}: the message names the pull and the operation: ${err.details}`);
      assert.equal((await call(d.image, 'ImageStatus', { image: { image: ref } })).image, null, `${where}: an image was recorded`);
      const { imageRef } = await call(d.image, 'PullImage', { image: { image: ref } }, 120_000);
      assert.equal(imageRef, img.id, where);
      await call(d.image, 'RemoveImage', { image: { image: ref } });
    }
  });
}
